//! An exported definition (Swagger 2.0 or OpenAPI 3.0.x with API Gateway's extensions) compiled
//! into what the request path needs: the resource tree, operations, gateway responses.
//! `basePath` and `servers` are ignored, as API Gateway's import does by default.

use std::collections::{BTreeSet, HashMap};

use serde_json::{Map, Value};

use super::integration::Integration;
use crate::authorizer::cognito::Requirement as CognitoRequirement;
use crate::authorizer::definition::{Authorizer, CognitoAuthorizer, LambdaAuthorizer};
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
    crate::api_keys::KEY_SOURCE_EXTENSION,
];

/// What a security scheme asks for; an operation's caller check when it is not enforced answers
/// as AWS answers a caller without credentials (fails closed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Auth {
    /// Cognito user pools, TOKEN or REQUEST Lambda authorizers: 401 Unauthorized.
    Authorizer,
    /// `x-api-key`: 403 Forbidden. Never an operation's `auth`: a required key is
    /// [`Operation::api_key_required`], checked by its own step (README: "API keys and usage plans").
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
    /// The caller check this operation asks for (an authorizer or IAM; an API key aside): it
    /// closes the operation unless the gateway enforces it (`authorizer`, `iam_only`) or the
    /// configuration skips it.
    pub auth: Option<Auth>,
    /// The Lambda authorizer (index in [`Api::authorizers`]) that admits callers, when it is the
    /// operation's only caller check (an API key may be required beside it); two caller checks
    /// keep the operation closed (AWS: a method has one authorizer).
    pub authorizer: Option<usize>,
    /// IAM (`AWS_IAM` / `awsSigv4`) is the operation's only caller check (an API key may be
    /// required beside it): enforced when the configuration has `iamKeys` (README: "IAM"); with
    /// an authorizer listed beside it the operation stays closed.
    pub iam_only: bool,
    /// `security` lists an API key scheme: the key is checked after the caller check (README: "API
    /// keys and usage plans"; every listed scheme is enforced).
    pub api_key_required: bool,
    /// The Cognito authorizer and scopes of an operation whose only requirement it is (README:
    /// "Cognito user pool authorizers").
    pub cognito: Option<CognitoRequirement>,
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
    /// The Cognito user pool authorizers of the security schemes, in definition order.
    pub cognito_authorizers: Vec<CognitoAuthorizer>,
    /// `x-amazon-apigateway-policy`, the API's resource policy as written (each deployment's plan
    /// compiles it with its own API ARN).
    pub resource_policy: Option<Value>,
    pub resources: Vec<Resource>,
    pub operations: Vec<Operation>,
    pub gateway_responses: GatewayResponses,
    pub binary_media_types: Vec<String>,
    /// `x-amazon-apigateway-api-key-source`: where key-required operations find the key.
    pub api_key_source: crate::api_keys::KeySource,
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
        let found = operation_auth(op, self.root_security, &self.schemes)
            .map_err(|(field, msg)| ConfigError::new(place(self.api_name, &name), field, msg))?;
        if let Some(why) = found.closed {
            self.warnings.push(format!("{name}: {why}"));
        }
        let validation = self.validation(path, &name, value)?;
        let cognito = cognito_requirement(op, self.root_security, &self.schemes)
            .map_err(|(field, msg)| ConfigError::new(place(self.api_name, &name), field, msg))?;
        Ok(Operation {
            name,
            method: method.to_string(),
            resource_path: path.to_string(),
            resource_id: crate::context::short_id(path),
            integration,
            auth: found.auth,
            authorizer: found.authorizer,
            iam_only: found.iam_only,
            api_key_required: found.api_key_required,
            cognito,
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
    let api_key_source = crate::api_keys::KeySource::parse(root.get(crate::api_keys::KEY_SOURCE_EXTENSION))
        .map_err(|m| ConfigError::new(place(api_name, "definition"), crate::api_keys::KEY_SOURCE_EXTENSION, m))?;
    let (schemes, (authorizers, cognito_authorizers), mut scheme_warnings) = security_schemes(root);
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
    if api_key_source == crate::api_keys::KeySource::Authorizer {
        for op in operations.iter().filter(|o| o.api_key_required && o.authorizer.is_none()) {
            warnings.push(format!(
                "{}: its API key is the Lambda authorizer's usageIdentifierKey ({} AUTHORIZER) and it has no Lambda authorizer: requests answer 403 Forbidden",
                op.name, crate::api_keys::KEY_SOURCE_EXTENSION));
        }
    }
    let title = root.get("info").and_then(|i| i.get("title")).and_then(Value::as_str).unwrap_or("");
    Ok(Api {
        name: if title.is_empty() { api_name.to_string() } else { title.to_string() },
        router,
        authorizers,
        cognito_authorizers,
        resource_policy: root.get("x-amazon-apigateway-policy").filter(|v| !v.is_null()).cloned(),
        resources,
        operations,
        gateway_responses,
        binary_media_types,
        api_key_source,
        warnings,
    })
}

/// A security scheme: what it asks for, and its Lambda or Cognito authorizer when the gateway runs it.
#[derive(Debug, Clone, Copy)]
struct Scheme {
    auth: Auth,
    /// Index in the API's authorizers.
    lambda: Option<usize>,
    /// Index in the API's Cognito authorizers.
    cognito: Option<usize>,
}

/// The authorizers the gateway runs: Lambda (TOKEN, REQUEST) and Cognito.
type SchemeAuthorizers = (Vec<LambdaAuthorizer>, Vec<CognitoAuthorizer>);

/// Security scheme name -> what it asks for (Swagger 2 `securityDefinitions`, OpenAPI 3
/// `components.securitySchemes`), the authorizers, and a warning for each authorizer that
/// cannot be read (its operations stay closed: README "Authorizers").
fn security_schemes(root: &Map<String, Value>) -> (HashMap<String, Scheme>, SchemeAuthorizers, Vec<String>) {
    let mut out = HashMap::new();
    let mut authorizers = Vec::new();
    let mut cognito_authorizers = Vec::new();
    let mut warnings = Vec::new();
    let sources = [
        root.get("securityDefinitions"),
        root.get("components").and_then(|c| c.get("securitySchemes")),
    ];
    for defs in sources.into_iter().flatten() {
        let Some(defs) = defs.as_object() else { continue };
        for (name, scheme) in defs {
            let auth = scheme_auth(scheme);
            let (mut lambda, mut cognito) = (None, None);
            match Authorizer::parse(name, scheme) {
                Ok(Some(Authorizer::Lambda(a))) => {
                    authorizers.push(a);
                    lambda = Some(authorizers.len().saturating_sub(1));
                }
                Ok(Some(Authorizer::Cognito(c))) => {
                    cognito_authorizers.push(c);
                    cognito = Some(cognito_authorizers.len().saturating_sub(1));
                }
                Ok(None) => {}
                Err(e) => {
                    warnings.push(format!("security scheme {name:?}: {e}; its operations answer as without credentials"));
                }
            }
            out.insert(name.clone(), Scheme { auth, lambda, cognito });
        }
    }
    (out, (authorizers, cognito_authorizers), warnings)
}

/// The Cognito authorizer of an operation whose only caller check it is, with the scopes its
/// `security` entry lists (`authorizationScopes` in AWS's export: `[{"pool": ["email"]}]`); an
/// operation with `x-amazon-apigateway-auth` or any other scheme listed has none (README: "Auth
/// fails closed": every listed scheme is enforced).
fn cognito_requirement(
    op: &Map<String, Value>,
    root_security: Option<&Value>,
    schemes: &HashMap<String, Scheme>,
) -> Result<Option<CognitoRequirement>, (String, String)> {
    if op.get("x-amazon-apigateway-auth").and_then(|a| a.get("type")).and_then(Value::as_str)
        .is_some_and(|t| !t.eq_ignore_ascii_case("NONE"))
    {
        return Ok(None);
    }
    let Some(Value::Array(list)) = op.get("security").or(root_security) else { return Ok(None) };
    // A required API key beside it is checked after it (README: "API keys and usage plans").
    let entries: Vec<(&String, &Value)> = list
        .iter()
        .filter_map(Value::as_object)
        .flat_map(|e| e.iter())
        .filter(|(name, _)| schemes.get(name.as_str()).is_none_or(|s| s.auth != Auth::ApiKey))
        .collect();
    let [(name, scopes)] = entries.as_slice() else { return Ok(None) };
    let Some(authorizer) = schemes.get(name.as_str()).and_then(|s| s.cognito) else { return Ok(None) };
    let field = || format!("security.{name}");
    let scopes = match scopes {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|s| s.as_str().map(str::to_string).ok_or_else(|| (field(), format!("scope {s} is not a string"))))
            .collect::<Result<_, _>>()?,
        other => return Err((field(), format!("must be a list of scopes, not {other}"))),
    };
    Ok(Some(CognitoRequirement { authorizer, scopes }))
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

/// What [`operation_auth`] finds.
#[derive(Debug, Default)]
struct OperationAuth {
    auth: Option<Auth>,
    authorizer: Option<usize>,
    iam_only: bool,
    api_key_required: bool,
    /// Why the operation stays closed whatever the configuration (a load warning).
    closed: Option<String>,
}

/// The auth an operation asks for, as AWS's import reads `security` (access-control notes §2):
/// **every** scheme listed is enforced (AND, not OpenAPI's OR: AWS's export writes
/// `[{"myAuthorizer": []}, {"api_key": []}]`), a root-level `security` applies to operations
/// without their own. API key schemes make the key required; the rest is the caller check: one
/// Lambda authorizer, or IAM. Two different caller checks cannot exist on AWS (a method has one
/// authorizer): they keep the operation closed, with the strictest answer (what a caller without
/// credentials meets first: 401 before 403).
fn operation_auth(
    op: &Map<String, Value>,
    root_security: Option<&Value>,
    schemes: &HashMap<String, Scheme>,
) -> Result<OperationAuth, (String, String)> {
    let iam_extension = match op.get("x-amazon-apigateway-auth") {
        None => false,
        Some(auth) => {
            let t = auth.get("type").and_then(Value::as_str).unwrap_or("").to_ascii_uppercase();
            match t.as_str() {
                "AWS_IAM" => true,
                "NONE" | "" => false,
                other => return Err(("x-amazon-apigateway-auth.type".to_string(), format!("unknown auth type {other:?}"))),
            }
        }
    };
    let listed = listed_schemes(op.get("security").or(root_security), schemes)?;
    let mut found = OperationAuth {
        api_key_required: listed.iter().any(|(_, s)| s.auth == Auth::ApiKey),
        ..OperationAuth::default()
    };
    let mut callers: Vec<(&str, Scheme)> = listed.into_iter().filter(|(_, s)| s.auth != Auth::ApiKey).collect();
    if iam_extension {
        callers.push(("x-amazon-apigateway-auth", Scheme { auth: Auth::Iam, lambda: None, cognito: None }));
    }
    // Authorizer (401) before IAM (403): what a caller without credentials meets first; an
    // operation the extension makes AWS_IAM answers as IAM.
    found.auth = callers.iter().map(|(_, s)| s.auth).reduce(|a, b| if a == Auth::Authorizer { a } else { b });
    if iam_extension {
        found.auth = Some(Auth::Iam);
    }
    found.iam_only = !callers.is_empty() && callers.iter().all(|(_, s)| s.auth == Auth::Iam);
    match callers.as_slice() {
        [(_, only)] => found.authorizer = only.lambda,
        [] => {}
        _ if found.iam_only => {}
        several => {
            let names: Vec<&str> = several.iter().map(|(n, _)| *n).collect();
            found.closed = Some(format!(
                "lists several authorizers or IAM ({}): a method has one authorizer on AWS, so requests answer as without credentials",
                names.join(", ")));
        }
    }
    Ok(found)
}

/// The distinct schemes a `security` list names, in order.
fn listed_schemes<'a>(security: Option<&'a Value>, schemes: &HashMap<String, Scheme>)
    -> Result<Vec<(&'a str, Scheme)>, (String, String)> {
    let Some(security) = security else { return Ok(Vec::new()) };
    let list = security.as_array().ok_or_else(|| ("security".to_string(), "must be a list".to_string()))?;
    let mut listed: Vec<(&str, Scheme)> = Vec::new();
    for entry in list {
        let Some(entry) = entry.as_object() else {
            return Err(("security".to_string(), "entries must be objects".to_string()));
        };
        for name in entry.keys() {
            let scheme = schemes.get(name).copied().ok_or_else(|| {
                (format!("security.{name}"), format!("refers to security scheme {name:?}, which the definition does not define"))
            })?;
            if !listed.iter().any(|(n, _)| n == name) {
                listed.push((name.as_str(), scheme));
            }
        }
    }
    Ok(listed)
}
