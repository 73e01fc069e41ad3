//! An exported definition (Swagger 2.0 or OpenAPI 3.0.x with API Gateway's extensions) compiled
//! into what the request path needs: the resource tree, operations, gateway responses.
//! `basePath` and `servers` are ignored, as API Gateway's import does by default.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::integration::Integration;
use crate::authorizer::definition::{Authorizer, LambdaAuthorizer};
use crate::error::ConfigError;
use crate::validation::{Compiler as ValidationCompiler, Validation};
use crate::gateway_responses::GatewayResponses;
use crate::routing::Router;

const METHODS: [&str; 7] = ["get", "put", "post", "delete", "options", "head", "patch"];
const ANY_METHOD: &str = "x-amazon-apigateway-any-method";

/// The extensions this gateway implements; any other `x-amazon-apigateway-*` is reported once.
const SUPPORTED_EXTENSIONS: &[&str] = &[
    "x-amazon-apigateway-integration",
    "x-amazon-apigateway-any-method",
    "x-amazon-apigateway-gateway-responses",
    "x-amazon-apigateway-binary-media-types",
    "x-amazon-apigateway-auth",
    "x-amazon-apigateway-authorizer",
    "x-amazon-apigateway-authtype",
    "x-amazon-apigateway-request-validators",
    "x-amazon-apigateway-request-validator",
    "x-amazon-apigateway-policy",
];

/// Auth an operation asks for that this gateway does not enforce yet (fails closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Cognito user pools, TOKEN or REQUEST Lambda authorizers: 401 Unauthorized.
    Authorizer,
    /// `x-api-key`: 403 Forbidden.
    ApiKey,
    /// `AWS_IAM` / `awsSigv4`: 403 Missing Authentication Token.
    Iam,
}

pub struct Operation {
    /// `GET /pets/{id}`, for logs and errors.
    pub name: String,
    /// Upper-case method, `ANY` for `x-amazon-apigateway-any-method`.
    pub method: String,
    pub resource_path: String,
    /// `$context.resourceId`: a stable id derived from the resource path.
    pub resource_id: String,
    /// `None`: the operation has no integration (answered 500, warned at load).
    pub integration: Option<Integration>,
    /// The auth this operation asks for: it closes the operation unless the gateway enforces it
    /// (`authorizer`) or the configuration skips it.
    pub auth: Option<Auth>,
    /// The Lambda authorizer (index in [`Api::authorizers`]) that admits callers, when it is the
    /// operation's only requirement; any other requirement keeps the operation closed.
    pub authorizer: Option<usize>,
    /// IAM (`AWS_IAM` / `awsSigv4`) is the operation's only requirement: enforced when the
    /// configuration has `iamKeys` (README: "IAM"); with anything else listed beside it the
    /// operation stays closed.
    pub iam_only: bool,
    /// The request validator's checks (`x-amazon-apigateway-request-validator`), compiled.
    pub validation: Option<Validation>,
}

pub struct Resource {
    pub path: String,
    /// Upper-case method -> operation index.
    pub methods: HashMap<String, usize>,
    pub any: Option<usize>,
}

pub struct Api {
    /// The API's name (`info.title`, as AWS names an imported API), else its name under `apis`:
    /// the `api` label of its metrics (README: "Metrics").
    pub name: String,
    pub router: Router,
    /// The TOKEN and REQUEST authorizers of the security schemes, in definition order.
    pub authorizers: Vec<LambdaAuthorizer>,
    /// `x-amazon-apigateway-policy`, the API's resource policy as written (each deployment's plan
    /// compiles it with its own API ARN).
    pub resource_policy: Option<Value>,
    pub resources: Vec<Resource>,
    pub operations: Vec<Operation>,
    pub gateway_responses: GatewayResponses,
    pub binary_media_types: Vec<String>,
    /// Things worth a warning at load (unsupported extensions, operations without integration...).
    pub warnings: Vec<String>,
}

impl Api {
    /// The operation for a resource and method: the method itself, else ANY.
    pub fn operation(&self, resource: usize, method: &str) -> Option<usize> {
        let r = self.resources.get(resource)?;
        r.methods.get(method).copied().or(r.any)
    }

    /// Routes a request on the resource + method pair (README: "Behaviour", Routing): the operation
    /// of the most specific resource declaring `method` or ANY, and the path parameters. `None`: no
    /// resource serves the pair (403 Missing Authentication Token).
    pub fn route(&self, path: &str, method: &str) -> Option<(usize, Vec<(String, String)>)> {
        let serves = |resource: usize| self.operation(resource, method).is_some();
        let m = self.router.find(path, &serves)?;
        let operation = self.operation(m.resource, method)?;
        Some((operation, m.path_params))
    }
}

fn collect_extensions(obj: &Map<String, Value>, found: &mut BTreeSet<String>) {
    for k in obj.keys() {
        if k.starts_with("x-amazon-apigateway-") && !SUPPORTED_EXTENSIONS.contains(&k.as_str()) {
            found.insert(k.clone());
        }
    }
}

/// Where an error is: the place itself, prefixed by the API's name when there is one.
fn place(api_name: &str, p: &str) -> String {
    if api_name.is_empty() {
        p.to_string()
    } else {
        format!("api {api_name:?}: {p}")
    }
}

/// A JSON object of the definition.
type Object = Map<String, Value>;

/// The definition's root object and its `paths`: the root must be a Swagger 2.0 or OpenAPI 3
/// object, and `paths` is required.
fn definition_root<'a>(
    doc: &'a Value,
    api_name: &str,
) -> Result<(&'a Object, &'a Object), ConfigError> {
    let root = doc
        .as_object()
        .ok_or_else(|| ConfigError::new(place(api_name, "definition"), "", "must be a JSON object"))?;
    if root.get("swagger").is_none() && root.get("openapi").is_none() {
        return Err(ConfigError::new(
            place(api_name, "definition"),
            "swagger/openapi",
            "neither a Swagger 2.0 nor an OpenAPI 3 document",
        ));
    }
    let paths = root.get("paths").and_then(Value::as_object).ok_or_else(|| {
        ConfigError::new(place(api_name, "definition"), "paths", "is required and must be an object")
    })?;
    Ok((root, paths))
}

/// `x-amazon-apigateway-gateway-responses`, its errors located under the extension's name.
fn gateway_responses(root: &Map<String, Value>, api_name: &str) -> Result<GatewayResponses, ConfigError> {
    GatewayResponses::parse(root.get("x-amazon-apigateway-gateway-responses")).map_err(|(f, m)| {
        let field = if f.is_empty() {
            "x-amazon-apigateway-gateway-responses".to_string()
        } else {
            format!("x-amazon-apigateway-gateway-responses.{f}")
        };
        ConfigError::new(place(api_name, "definition"), field, m)
    })
}

/// `x-amazon-apigateway-binary-media-types`: a list of strings, `~1` (the JSON-pointer escape
/// exports use) read as `/`.
fn binary_media_types(root: &Map<String, Value>, api_name: &str) -> Result<Vec<String>, ConfigError> {
    let invalid = || {
        ConfigError::new(
            place(api_name, "definition"),
            "x-amazon-apigateway-binary-media-types",
            "must be a list of strings",
        )
    };
    match root.get("x-amazon-apigateway-binary-media-types") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(|s| s.replace("~1", "/")).ok_or_else(invalid))
            .collect(),
        Some(_) => Err(invalid()),
    }
}

/// The upper-case method a path item's key declares (`ANY` for `x-amazon-apigateway-any-method`);
/// `None` for keys that are not operations (`parameters`, extensions...).
fn operation_method(key: &str) -> Option<String> {
    let lower = key.to_ascii_lowercase();
    if lower == ANY_METHOD {
        Some("ANY".to_string())
    } else if METHODS.contains(&lower.as_str()) {
        Some(lower.to_ascii_uppercase())
    } else {
        None
    }
}

/// What compiling the paths accumulates, and the definition-wide facts operations read.
struct Compilation<'a> {
    api_name: &'a str,
    validation: ValidationCompiler<'a>,
    root_security: Option<&'a Value>,
    schemes: HashMap<String, Scheme>,
    unsupported: BTreeSet<String>,
    operations: Vec<Operation>,
    warnings: Vec<String>,
}

impl<'a> Compilation<'a> {
    /// A path item's resource, its operations compiled and appended to `operations`.
    fn resource(&mut self, path: &str, item: &'a Value) -> Result<Resource, ConfigError> {
        let item = item
            .as_object()
            .ok_or_else(|| ConfigError::new(place(self.api_name, path), "", "a path item must be an object"))?;
        collect_extensions(item, &mut self.unsupported);
        let mut resource = Resource {
            path: path.to_string(),
            methods: HashMap::new(),
            any: None,
        };
        for (key, op) in item {
            let Some(method) = operation_method(key) else { continue };
            let operation = self.operation(path, &method, op)?;
            let index = self.operations.len();
            self.operations.push(operation);
            if method == "ANY" {
                resource.any = Some(index);
            } else {
                resource.methods.insert(method, index);
            }
        }
        Ok(resource)
    }

    /// One operation: its integration (none is a load warning, answered 500) and its auth.
    fn operation(&mut self, path: &str, method: &str, value: &'a Value) -> Result<Operation, ConfigError> {
        let name = format!("{method} {path}");
        let op = value
            .as_object()
            .ok_or_else(|| ConfigError::new(place(self.api_name, &name), "", "an operation must be an object"))?;
        collect_extensions(op, &mut self.unsupported);
        let integration = match op.get("x-amazon-apigateway-integration") {
            None | Some(Value::Null) => {
                self.warnings.push(format!("{name}: no x-amazon-apigateway-integration; requests get 500"));
                None
            }
            Some(v) => Some(Integration::parse(v).map_err(|(field, msg)| {
                let field = if field.is_empty() {
                    "x-amazon-apigateway-integration".to_string()
                } else {
                    format!("x-amazon-apigateway-integration.{field}")
                };
                ConfigError::new(place(self.api_name, &name), field, msg)
            })?),
        };
        if let Some(Value::Object(inner)) = op.get("x-amazon-apigateway-integration") {
            collect_extensions(inner, &mut self.unsupported);
        }
        let (auth, authorizer, iam_only) = operation_auth(op, self.root_security, &self.schemes)
            .map_err(|(field, msg)| ConfigError::new(place(self.api_name, &name), field, msg))?;
        let validation = self.validation(path, &name, value)?;
        Ok(Operation {
            name,
            method: method.to_string(),
            resource_path: path.to_string(),
            resource_id: crate::context::short_id(path),
            integration,
            auth,
            authorizer,
            iam_only,
            validation,
        })
    }

    /// The operation's request validation; a model that cannot be used is a warning (its
    /// requests answer 500, as on AWS: README "Request validation").
    fn validation(&mut self, path: &str, name: &str, op: &'a Value) -> Result<Option<Validation>, ConfigError> {
        let validation = self
            .validation
            .operation(path, op)
            .map_err(|(field, msg)| ConfigError::new(place(self.api_name, name), field, msg))?;
        for (content_type, why) in validation.iter().flat_map(Validation::unusable_models) {
            self.warnings.push(format!("{name}: the {content_type} model cannot validate bodies ({why}): those requests answer 500"));
        }
        Ok(validation)
    }
}

/// Compiles a definition. `api_name` only labels errors.
pub fn compile(doc: &Value, api_name: &str) -> Result<Api, ConfigError> {
    let (root, paths) = definition_root(doc, api_name)?;
    let mut unsupported = BTreeSet::new();
    collect_extensions(root, &mut unsupported);
    let gateway_responses = gateway_responses(root, api_name)?;
    let binary_media_types = binary_media_types(root, api_name)?;
    let (schemes, authorizers, mut scheme_warnings) = security_schemes(root);
    let validation = ValidationCompiler::new(doc)
        .map_err(|(field, msg)| ConfigError::new(place(api_name, "definition"), field, msg))?;
    let mut compilation = Compilation {
        api_name,
        validation,
        root_security: root.get("security"),
        schemes,
        unsupported,
        operations: Vec::new(),
        warnings: Vec::new(),
    };
    let mut router = Router::default();
    let mut resources = Vec::new();
    for (path, item) in paths {
        let resource = compilation.resource(path, item)?;
        if resource.methods.is_empty() && resource.any.is_none() {
            // A path with no methods is only a parent resource: nothing can match it.
            continue;
        }
        router
            .insert(path, resources.len())
            .map_err(|e| ConfigError::new(place(api_name, path), "paths", e.0))?;
        resources.push(resource);
    }
    let Compilation {
        unsupported,
        operations,
        mut warnings,
        ..
    } = compilation;
    for ext in unsupported {
        warnings.push(format!("{ext} is not implemented by this gateway and is ignored"));
    }
    warnings.append(&mut scheme_warnings);
    let title = root.get("info").and_then(|i| i.get("title")).and_then(Value::as_str).unwrap_or("");
    Ok(Api {
        name: if title.is_empty() { api_name.to_string() } else { title.to_string() },
        router,
        authorizers,
        resource_policy: root.get("x-amazon-apigateway-policy").filter(|v| !v.is_null()).cloned(),
        resources,
        operations,
        gateway_responses,
        binary_media_types,
        warnings,
    })
}

/// A security scheme: what it asks for, and its Lambda authorizer when the gateway runs it.
#[derive(Debug, Clone, Copy)]
struct Scheme {
    auth: Auth,
    /// Index in the API's authorizers.
    lambda: Option<usize>,
}

/// Security scheme name -> what it asks for (Swagger 2 `securityDefinitions`, OpenAPI 3
/// `components.securitySchemes`), the Lambda authorizers, and a warning for each authorizer that
/// cannot be read (its operations stay closed: README "Authorizers").
fn security_schemes(root: &Map<String, Value>) -> (HashMap<String, Scheme>, Vec<LambdaAuthorizer>, Vec<String>) {
    let mut out = HashMap::new();
    let mut authorizers = Vec::new();
    let mut warnings = Vec::new();
    let sources = [
        root.get("securityDefinitions"),
        root.get("components").and_then(|c| c.get("securitySchemes")),
    ];
    for defs in sources.into_iter().flatten() {
        let Some(defs) = defs.as_object() else { continue };
        for (name, scheme) in defs {
            let auth = scheme_auth(scheme);
            let lambda = match Authorizer::parse(name, scheme) {
                Ok(Some(Authorizer::Lambda(a))) => {
                    authorizers.push(a);
                    Some(authorizers.len().saturating_sub(1))
                }
                Ok(_) => None,
                Err(e) => {
                    warnings.push(format!("security scheme {name:?}: {e}; its operations answer as without credentials"));
                    None
                }
            };
            out.insert(name.clone(), Scheme { auth, lambda });
        }
    }
    (out, authorizers, warnings)
}

/// What a scheme asks for.
fn scheme_auth(scheme: &Value) -> Auth {
    let authtype = scheme
        .get("x-amazon-apigateway-authtype")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_lowercase();
    let has_authorizer = scheme.get("x-amazon-apigateway-authorizer").is_some();
    if authtype == "awssigv4" {
        Auth::Iam
    } else if has_authorizer || !authtype.is_empty() {
        Auth::Authorizer
    } else if scheme.get("type").and_then(Value::as_str) == Some("apiKey") {
        Auth::ApiKey
    } else {
        // Any other scheme (oauth2, http...) is an authorizer of some kind: fail closed.
        Auth::Authorizer
    }
}

/// What [`operation_auth`] finds: the auth, the Lambda authorizer, whether IAM is alone.
type OperationAuth = (Option<Auth>, Option<usize>, bool);

/// The auth an operation asks for (the strictest of its schemes: what a caller without
/// credentials meets first), the Lambda authorizer that admits callers when it is the only
/// scheme listed, and whether IAM is the only requirement (README: "Auth fails closed": every
/// listed scheme is enforced).
fn operation_auth(
    op: &Map<String, Value>,
    root_security: Option<&Value>,
    schemes: &HashMap<String, Scheme>,
) -> Result<OperationAuth, (String, String)> {
    if let Some(auth) = op.get("x-amazon-apigateway-auth") {
        let t = auth.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_uppercase();
        match t.as_str() {
            "AWS_IAM" => {
                let alone = only_iam_schemes(op.get("security").or(root_security), schemes);
                return Ok((Some(Auth::Iam), None, alone));
            }
            "NONE" | "" => {}
            other => {
                return Err((
                    "x-amazon-apigateway-auth.type".to_string(),
                    format!("unknown auth type {other:?}"),
                ))
            }
        }
    }
    let security = op.get("security").or(root_security);
    let Some(security) = security else { return Ok((None, None, false)) };
    let list = security
        .as_array()
        .ok_or_else(|| ("security".to_string(), "must be a list".to_string()))?;
    let mut found: Option<Auth> = None;
    let mut listed: Vec<Scheme> = Vec::new();
    for entry in list {
        let Some(entry) = entry.as_object() else {
            return Err(("security".to_string(), "entries must be objects".to_string()));
        };
        for name in entry.keys() {
            let scheme = schemes.get(name).copied().ok_or_else(|| {
                (
                    format!("security.{name}"),
                    format!("refers to security scheme {name:?}, which the definition does not define"),
                )
            })?;
            listed.push(scheme);
            // Authorizer (401) before API key and IAM (403): what a caller without credentials meets first.
            found = Some(match (found, scheme.auth) {
                (Some(Auth::Authorizer), _) | (_, Auth::Authorizer) => Auth::Authorizer,
                (Some(Auth::Iam), _) | (_, Auth::Iam) => Auth::Iam,
                _ => Auth::ApiKey,
            });
        }
    }
    let authorizer = match listed.as_slice() {
        [only] => only.lambda,
        _ => None,
    };
    let iam_only = !listed.is_empty() && listed.iter().all(|s| s.auth == Auth::Iam);
    Ok((found, authorizer, iam_only))
}

/// Whether a `security` list beside `x-amazon-apigateway-auth: AWS_IAM` names only `awsSigv4`
/// schemes (or nothing): anything else (an API key, an authorizer) keeps the operation closed.
fn only_iam_schemes(security: Option<&Value>, schemes: &HashMap<String, Scheme>) -> bool {
    let Some(security) = security else { return true };
    let Some(list) = security.as_array() else { return false };
    list.iter().all(|entry| {
        entry.as_object().is_some_and(|e| e.keys().all(|name| schemes.get(name).is_some_and(|s| s.auth == Auth::Iam)))
    })
}
