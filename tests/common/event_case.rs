//! One Lambda proxy event's input, owned, so a test can build it, keep it and lend it to the
//! event writers as a [`ProxyInput`]. Used by the golden files (`event_golden.rs`) and the
//! property tests (`event_text.rs`); each reads only part of it.
#![allow(dead_code)]

use apigw_envoy::context::RequestContext;
use apigw_envoy::event::ProxyInput;
use apigw_envoy::http::Request;

#[derive(Debug, Clone)]
pub struct Case {
    /// The golden files' name for the case ("" for generated ones).
    pub name: &'static str,
    pub request: Request,
    pub context: RequestContext,
    pub resource: String,
    pub path: String,
    pub path_params: Vec<(String, String)>,
    pub stage_variables: Vec<(String, String)>,
    pub binary: Vec<String>,
}

impl Case {
    pub fn input(&self) -> ProxyInput<'_> {
        ProxyInput {
            request: &self.request,
            context: &self.context,
            resource: &self.resource,
            path: &self.path,
            path_params: &self.path_params,
            stage_variables: &self.stage_variables,
            binary_media_types: &self.binary,
        }
    }
}
