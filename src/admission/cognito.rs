//! Admission's Cognito step (README: "Cognito user pool authorizers"): the token checks of
//! [`crate::authorizer::cognito`] on what Envoy's `jwt_authn` verified, and their refusals as
//! gateway responses.

use crate::authorizer::answer::Refusal;
use crate::authorizer::cognito::{authenticate, CognitoPlan, Rejection, TokenCheck};
use crate::authorizer::definition::CognitoAuthorizer;
use crate::config::Deployment;
use crate::context::AuthorizerFacts;
use crate::gateway::{Gateway, Reply, Routed};
use crate::gateway_responses::ResponseType;
use crate::http::Request;

impl Gateway {
    /// The dynamic metadata keys (issuers) the adapter reads for a routed request, under
    /// [`crate::authorizer::cognito::JWT_AUTHN_NAMESPACE`]: empty for every operation but a
    /// Cognito one, so no other request pays for the read.
    pub fn verified_token_keys(&self, routed: &Routed) -> &[String] {
        self.plans
            .operation(routed.deployment, routed.operation)
            .and_then(|p| p.cognito.as_ref())
            .map_or(&[], |c| c.issuers.as_slice())
    }

    /// The operation's Cognito authorizer and plan, when the gateway enforces one.
    pub(super) fn cognito_of(&self, routed: &Routed) -> Option<(&CognitoAuthorizer, &CognitoPlan)> {
        let dep = self.config.deployments.get(routed.deployment)?;
        let plan = self.plans.operation(routed.deployment, routed.operation)?.cognito.as_ref()?;
        Some((dep.api.cognito_authorizers.get(plan.requirement.authorizer)?, plan))
    }

    /// The token's claims, or the 401 (UNAUTHORIZED, customisable as the Lambda authorizer's).
    pub(super) fn authenticate_cognito(&self, dep: &Deployment, routed: &Routed, req: &Request,
                                       (authorizer, plan): (&CognitoAuthorizer, &CognitoPlan)) -> Result<AuthorizerFacts, Reply> {
        let check = TokenCheck {
            authorizer,
            scopes: &plan.requirement.scopes,
            headers: &req.headers,
            verified: routed.verified.as_deref(),
            now_ms: req.now_ms,
        };
        match authenticate(&check) {
            Ok(claims) => Ok(AuthorizerFacts::cognito(claims)),
            Err(rejection) => {
                let refusal = match rejection {
                    Rejection::Unauthorized => Refusal::unauthorized(),
                    Rejection::Expired => Refusal { response_type: ResponseType::Unauthorized, message: Some(rejection.message().to_string()) },
                };
                Err(self.refusal(dep, routed, req, &refusal, None))
            }
        }
    }
}
