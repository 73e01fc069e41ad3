//! Lambda authorizers (TOKEN and REQUEST) and IAM policy evaluation, host-independent; the request
//! flow runs them in [`crate::admission`].
//!
//! Per request, in AWS's order of checks (route → resource policy → authorizer → API key → ...;
//! the repository's notes on access control):
//! 1. [`policy::Policy::evaluate`] the API's resource policy (parsed once with
//!    [`policy::Policy::parse_resource_policy`]); a refusal is [`answer::Refusal::from_resource_policy`].
//! 2. [`event::ApiArn::method_arn`] (too long: 414, no call).
//! 3. [`identity::identify`]: `Err(NotCalled)` → [`answer::Refusal::unauthorized`], no call.
//! 4. With a cache key, [`cache::AuthorizerCache::lookup`]: a hit decides at once.
//! 5. Otherwise invoke the function ([`definition::LambdaAuthorizer::function`],
//!    [`event::ApiArn::invoke_headers`]) with [`event::token_event`] or [`event::request_event`],
//!    then [`answer::parse`] the answer, [`cache::AuthorizerCache::remember`] it, and
//!    [`answer::Authorized::decide`] for this request's method ARN.
//! 6. A refusal renders through [`answer::Refusal::render`]; an Allow passes the principal and
//!    context on to the integration.
//!
//! Cognito user pool authorizers: [`cognito`] (the token checks on what Envoy's `jwt_authn`
//! verified, [`metadata`]) and [`claims`] (the claims map the integration receives).

mod cidr;
mod glob;

pub mod answer;
pub mod cache;
pub mod claims;
pub mod cognito;
pub mod definition;
pub mod event;
pub mod identity;
pub mod metadata;
pub mod policy;
