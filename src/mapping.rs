//! Parameter mappings (`requestParameters`, `responseParameters`), parsed once at configure time.

/// Where a mapped value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// `'value'`: a literal.
    Static(String),
    /// `context.<name>` (`context.identity.sourceIp` keeps its dotted name).
    Context(String),
    /// `stageVariables.<name>`
    StageVariable(String),
    /// `method.request.path|querystring|multivaluequerystring|header|multivalueheader.<name>`
    MethodRequest(RequestPart, String),
    /// `method.request.body` (whole) or `method.request.body.<JSONPath>`
    MethodRequestBody(Option<BodyPath>),
    /// `integration.response.header|multivalueheader.<name>`
    IntegrationHeader { name: String, multi: bool },
    /// `integration.response.body` (whole) or `integration.response.body.<JSONPath>`
    IntegrationBody(Option<BodyPath>),
}

/// A body JSONPath of a mapping, compiled when the mapping is read (configure time) so that a
/// request only evaluates it. A path that does not compile selects nothing; the plans of the
/// integrations that forward requests refuse it at load (their plan's target check).
#[derive(Debug, Clone)]
pub struct BodyPath {
    pub text: String,
    pub compiled: Result<crate::jsonpath::JsonPath, crate::jsonpath::JsonPathError>,
}

impl BodyPath {
    pub fn new(text: &str) -> BodyPath {
        BodyPath { text: text.to_string(), compiled: crate::jsonpath::JsonPath::parse(text) }
    }
}

/// Two mappings are the same when their texts are.
impl PartialEq for BodyPath {
    fn eq(&self, other: &BodyPath) -> bool {
        self.text == other.text
    }
}

impl Eq for BodyPath {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestPart {
    Path,
    QueryString,
    MultiValueQueryString,
    Header,
    MultiValueHeader,
}

/// Which sources a mapping may use (a response header cannot read the method request's body...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// `requestParameters` of an integration.
    IntegrationRequest,
    /// `responseParameters` of an integration response.
    IntegrationResponse,
    /// `responseParameters` of a gateway response.
    GatewayResponse,
}

impl Source {
    /// Parses a mapping expression; the error says what is wrong with it.
    pub fn parse(expr: &str, side: Side) -> Result<Source, String> {
        let expr = expr.trim();
        if let Some(inner) = expr.strip_prefix('\'') {
            return match inner.strip_suffix('\'') {
                Some(v) => Ok(Source::Static(v.to_string())),
                None => Err(format!("static value {expr:?} lacks its closing quote")),
            };
        }
        if let Some(name) = expr.strip_prefix("context.") {
            return non_empty(name, expr).map(|n| Source::Context(n.to_string()));
        }
        if let Some(name) = expr.strip_prefix("stageVariables.") {
            return non_empty(name, expr).map(|n| Source::StageVariable(n.to_string()));
        }
        if let Some(rest) = expr.strip_prefix("method.request.") {
            if side == Side::IntegrationResponse {
                return Err(format!(
                    "{expr:?}: an integration response can map only integration.response.*, context.*, stageVariables.* or a 'static' value"
                ));
            }
            if rest == "body" {
                return body_source(side, expr).map(|_| Source::MethodRequestBody(None));
            }
            if let Some(path) = rest.strip_prefix("body.") {
                body_source(side, expr)?;
                return Ok(Source::MethodRequestBody(Some(BodyPath::new(path))));
            }
            let (part, name) = rest
                .split_once('.')
                .ok_or_else(|| format!("{expr:?} is not a method request parameter"))?;
            let part = match part {
                "path" => RequestPart::Path,
                "querystring" => RequestPart::QueryString,
                "multivaluequerystring" => RequestPart::MultiValueQueryString,
                "header" => RequestPart::Header,
                "multivalueheader" => RequestPart::MultiValueHeader,
                other => return Err(format!("{expr:?}: unknown request location {other:?}")),
            };
            return non_empty(name, expr).map(|n| Source::MethodRequest(part, n.to_string()));
        }
        if let Some(rest) = expr.strip_prefix("integration.response.") {
            if side != Side::IntegrationResponse {
                return Err(format!("{expr:?}: no integration response exists at this point"));
            }
            if rest == "body" {
                return Ok(Source::IntegrationBody(None));
            }
            if let Some(path) = rest.strip_prefix("body.") {
                return Ok(Source::IntegrationBody(Some(BodyPath::new(path))));
            }
            if let Some(name) = rest.strip_prefix("header.") {
                return non_empty(name, expr).map(|n| Source::IntegrationHeader {
                    name: n.to_string(),
                    multi: false,
                });
            }
            if let Some(name) = rest.strip_prefix("multivalueheader.") {
                return non_empty(name, expr).map(|n| Source::IntegrationHeader {
                    name: n.to_string(),
                    multi: true,
                });
            }
        }
        Err(format!("{expr:?} is not a mapping source API Gateway knows"))
    }
}

fn non_empty<'a>(name: &'a str, expr: &str) -> Result<&'a str, String> {
    if name.is_empty() {
        Err(format!("{expr:?} names nothing"))
    } else {
        Ok(name)
    }
}

fn body_source(side: Side, expr: &str) -> Result<(), String> {
    if side == Side::GatewayResponse {
        Err(format!("{expr:?}: a gateway response cannot map the request body"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn parses_every_source_kind() {
        use Side::*;
        assert_eq!(Source::parse("'*'", IntegrationResponse), Ok(Source::Static("*".into())));
        assert_eq!(Source::parse("''", GatewayResponse), Ok(Source::Static(String::new())));
        assert_eq!(
            Source::parse("context.identity.sourceIp", GatewayResponse),
            Ok(Source::Context("identity.sourceIp".into()))
        );
        assert_eq!(
            Source::parse("stageVariables.v", IntegrationRequest),
            Ok(Source::StageVariable("v".into()))
        );
        assert_eq!(
            Source::parse("method.request.multivaluequerystring.q", IntegrationRequest),
            Ok(Source::MethodRequest(RequestPart::MultiValueQueryString, "q".into()))
        );
        assert_eq!(
            Source::parse("method.request.body.$.a", IntegrationRequest),
            Ok(Source::MethodRequestBody(Some(BodyPath::new("$.a"))))
        );
        assert_eq!(
            Source::parse("integration.response.multivalueheader.X", IntegrationResponse),
            Ok(Source::IntegrationHeader { name: "X".into(), multi: true })
        );
    }

    #[test]
    fn refuses_impossible_sources() {
        use Side::*;
        assert!(Source::parse("'open", GatewayResponse).unwrap_err().contains("closing quote"));
        assert!(Source::parse("method.request.body", GatewayResponse).is_err());
        assert!(Source::parse("integration.response.body", IntegrationRequest).is_err());
        assert!(Source::parse("method.request.header.X", IntegrationResponse).is_err());
        assert!(Source::parse("method.request.cookie.X", IntegrationRequest).is_err());
        assert!(Source::parse("context.", GatewayResponse).is_err());
        assert!(Source::parse("whatever", GatewayResponse).is_err());
    }
}
