//! `apigw-check CONFIG.json`: validates a plugin configuration with exactly the code the filter
//! runs in `on_configure`, so `make run` can refuse a bad definition before Envoy starts.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: apigw-check PLUGIN_CONFIG.json");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("apigw-check: cannot read {path}: {e}");
            return ExitCode::from(2);
        }
    };
    match apigw_envoy::gateway::Gateway::from_bytes(&bytes) {
        Ok(g) => {
            for w in &g.config.warnings {
                eprintln!("warning: {w}");
            }
            for d in &g.config.deployments {
                eprintln!(
                    "ok: deployment {:?}: {} operations on {} resources",
                    d.name,
                    d.api.operations.len(),
                    d.api.resources.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
