//! Amazon API Gateway (REST API) data plane for Envoy, as a proxy-wasm filter.
//!
//! Everything except [`wasm`] is a host-independent core: it knows nothing of proxy-wasm and is
//! tested natively and on `wasm32-unknown-unknown`. The `wasm` adapter reads the request from the
//! host, asks the core what to do, and does it.

pub mod access_log;
pub mod admission;
pub mod api_keys;
pub mod authorizer;
pub mod config;
pub mod context;
pub mod error;
pub mod event;
pub mod gateway;
pub mod gateway_responses;
pub mod headers;
pub mod http;
pub mod iam;
pub mod integration;
pub mod java_regex;
pub mod jsonpath;
pub mod lambda_response;
pub mod mapping;
pub mod media;
pub mod metrics;
pub mod pairs;
pub mod query;
pub mod request_path;
pub mod resolver;
pub mod response_path;
pub mod routing;
pub mod selection;
pub mod template_env;
pub mod throttle;
pub mod sigv4;
pub mod size_classes;
pub mod time;
pub mod execution_log;
pub mod trace;
pub mod validation;
pub mod vtl;

#[cfg(all(target_arch = "wasm32", target_os = "wasi"))]
mod wasm;

/// In the VM, small blocks come from size classes (src/size_classes.rs says why).
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: size_classes::SizeClasses = size_classes::SizeClasses::new();
