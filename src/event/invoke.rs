//! AWS_PROXY integration URIs and the Lambda Invoke API request line.
//!
//! An AWS_PROXY `uri` is
//! `arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations`,
//! where `{function}` is a function ARN (with an optional `:alias` or `:version`), a partial ARN or
//! a bare name. It may hold `${stageVariables.x}` references (commonly for the alias): substitute
//! them with [`substitute_stage_variables`] before [`LambdaTarget::parse`].

/// Where to invoke: the signing region and the function as the URI names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaTarget {
    /// `aws`, `aws-cn`, `aws-us-gov`, ...
    pub partition: String,
    /// The region of the integration URI: the Lambda endpoint and SigV4 region.
    pub region: String,
    /// The function ARN (alias/version included), or name, as written in the URI.
    pub function_arn: String,
}

const PATH_PREFIX: &str = "path/2015-03-31/functions/";
const PATH_SUFFIX: &str = "/invocations";

impl LambdaTarget {
    /// Parses an AWS_PROXY integration URI. The error names the value and what is wrong.
    pub fn parse(uri: &str) -> Result<Self, String> {
        let bad = |why: &str| format!("invalid Lambda integration uri {uri:?}: {why}");
        let mut parts = uri.splitn(6, ':');
        let (Some(arn), Some(partition), Some(service), Some(region), Some(sub), Some(resource)) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad(
                "expected arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function}/invocations",
            ));
        };
        if arn != "arn" || partition.is_empty() {
            return Err(bad("not an ARN"));
        }
        if service != "apigateway" || sub != "lambda" {
            return Err(bad("not an apigateway ...:lambda:path/... ARN"));
        }
        if region.is_empty() {
            return Err(bad("no region"));
        }
        let function = resource
            .strip_prefix(PATH_PREFIX)
            .and_then(|r| r.strip_suffix(PATH_SUFFIX))
            .ok_or_else(|| bad("the path must be path/2015-03-31/functions/{function}/invocations"))?;
        if function.is_empty() || function.contains('/') {
            return Err(bad("no function name"));
        }
        Ok(LambdaTarget {
            partition: partition.to_string(),
            region: region.to_string(),
            function_arn: function.to_string(),
        })
    }

    /// `/2015-03-31/functions/{url-encoded function}/invocations`.
    pub fn invoke_path(&self) -> String {
        invoke_path(&self.function_arn)
    }

    /// The regional Lambda endpoint host: `lambda.{region}.amazonaws.com` (`.com.cn` in China).
    pub fn endpoint_host(&self) -> String {
        let suffix = if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        format!("lambda.{}.{suffix}", self.region)
    }
}

/// The Invoke API path for a function name or ARN: every byte outside `A-Z a-z 0-9 - _ . ~` is
/// percent-encoded, as AWS SDKs encode the `FunctionName` label (`:` -> `%3A`). SigV4 then encodes
/// that path once more ([`crate::sigv4::sign`]).
pub fn invoke_path(function: &str) -> String {
    format!(
        "/2015-03-31/functions/{}/invocations",
        crate::sigv4::uri_encode(function)
    )
}

/// Replaces each `${stageVariables.name}` with the variable's value, `""` when it is not set.
/// Text that is not such a reference (including an unterminated `${stageVariables.`) is copied.
pub fn substitute_stage_variables(text: &str, stage_variables: &[(String, String)]) -> String {
    const OPEN: &str = "${stageVariables.";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(OPEN) {
        let (before, from_ref) = rest.split_at(start);
        out.push_str(before);
        let after_open = from_ref.get(OPEN.len()..).unwrap_or("");
        match after_open.split_once('}') {
            Some((name, tail)) => {
                if let Some((_, v)) = stage_variables.iter().find(|(k, _)| k == name) {
                    out.push_str(v);
                }
                rest = tail;
            }
            None => {
                out.push_str(from_ref);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const FN: &str = "arn:aws:lambda:us-east-1:123456789012:function:my-fn";

    #[test]
    fn parses_integration_uris() {
        let rows: &[(&str, &str, &str, &str)] = &[
            (
                "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:my-fn/invocations",
                "aws",
                "us-east-1",
                FN,
            ),
            (
                "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:my-fn:live/invocations",
                "aws",
                "eu-west-1",
                "arn:aws:lambda:eu-west-1:123456789012:function:my-fn:live",
            ),
            (
                "arn:aws-cn:apigateway:cn-north-1:lambda:path/2015-03-31/functions/my-fn/invocations",
                "aws-cn",
                "cn-north-1",
                "my-fn",
            ),
        ];
        for (uri, partition, region, function) in rows {
            let t = LambdaTarget::parse(uri).unwrap();
            assert_eq!(t.partition, *partition);
            assert_eq!(t.region, *region);
            assert_eq!(t.function_arn, *function);
        }
    }

    #[test]
    fn rejects_other_uris() {
        let rows = [
            "",
            "http://example.com/",
            "arn:aws:apigateway:us-east-1:s3:path/bucket/key",
            "arn:aws:apigateway::lambda:path/2015-03-31/functions/f/invocations",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions//invocations",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/f",
            "arn:aws:apigateway:us-east-1:lambda:action/Invoke",
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/a/b/invocations",
        ];
        for uri in rows {
            let err = LambdaTarget::parse(uri).unwrap_err();
            assert!(err.contains(&format!("{uri:?}")), "{err}");
        }
    }

    #[test]
    fn invoke_path_and_endpoint() {
        let t = LambdaTarget {
            partition: "aws".into(),
            region: "us-east-1".into(),
            function_arn: format!("{FN}:live"),
        };
        assert_eq!(
            t.invoke_path(),
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn%3Alive/invocations"
        );
        assert_eq!(t.endpoint_host(), "lambda.us-east-1.amazonaws.com");
        assert_eq!(invoke_path("echo"), "/2015-03-31/functions/echo/invocations");
        assert_eq!(invoke_path("my fn$"), "/2015-03-31/functions/my%20fn%24/invocations");
    }

    #[test]
    fn stage_variable_substitution_table() {
        let vars = vec![("alias".to_string(), "live".to_string()), ("fn".to_string(), "echo".to_string())];
        let rows = [
            ("plain", "plain"),
            ("f:${stageVariables.alias}", "f:live"),
            ("${stageVariables.fn}-${stageVariables.alias}", "echo-live"),
            ("x${stageVariables.missing}y", "xy"),
            ("${stageVariables.alias", "${stageVariables.alias"),
            ("$stageVariables.alias", "$stageVariables.alias"),
            ("${stageVariables.}", ""),
            ("é${stageVariables.alias}é", "éliveé"),
        ];
        for (text, want) in rows {
            assert_eq!(substitute_stage_variables(text, &vars), want, "{text:?}");
        }
    }
}
