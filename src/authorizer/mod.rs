//! Lambda authorizers (TOKEN and REQUEST) and IAM policy evaluation, host-independent: not yet
//! wired into the request flow.

pub mod definition;
pub mod event;
pub mod identity;
