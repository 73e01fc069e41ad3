//! Lambda authorizers (TOKEN and REQUEST) and IAM policy evaluation, host-independent: not yet
//! wired into the request flow.

mod cidr;
mod glob;

pub mod answer;
pub mod definition;
pub mod event;
pub mod identity;
pub mod policy;
