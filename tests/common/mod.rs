//! Helpers shared by the integration tests (`mod common;` in each test crate that uses them).

pub mod event_case;
