//! API Gateway's resource matching: a segment tree over the definition's `paths`.
//!
//! API Gateway routes on the **resource + method pair** (README: "Behaviour", Routing): a request
//! is served by the most specific resource that declares its method (or ANY). Precedence at each
//! level is static segment, then `{param}`, then greedy `{proxy+}` (which may only be the last
//! segment), with backtracking whenever the more specific branch has no resource serving the
//! method: `/pets/1/x` falls through to `/{proxy+}` when `/pets/{id}` has no child `x`, and
//! `GET /users/me` reaches `/users/{userId}` when the literal `/users/me` declares only PATCH. A
//! resource without methods (a parent such as `/jobs` under `/jobs/{type}`) never serves anything
//! itself.
//!
//! Lookup cost depends on the path and the tree, never on a scan of the resources: children are
//! found through a hash map, and since every node has one parent, a lookup visits each node at
//! most once even when it backtracks (at most the static and the `{param}` child per level).

use std::collections::HashMap;

/// One parsed segment of a resource template.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Static(String),
    Param(String),
    Greedy(String),
}

#[derive(Debug, Default)]
struct Node {
    statics: HashMap<String, Node>,
    /// `{name}` child: (name, node). API Gateway allows one variable child per parent.
    param: Option<(String, Box<Node>)>,
    /// `{name+}` child: (name, resource id). Greedy resources are always leaves.
    greedy: Option<(String, usize)>,
    /// The resource id when this node is a resource with methods.
    resource: Option<usize>,
}

/// A resource match: which resource, and its path parameters (raw, not URL-decoded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteMatch {
    pub resource: usize,
    pub path_params: Vec<(String, String)>,
}

/// Why a resource template was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError(pub String);

impl std::fmt::Display for RouteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The compiled resource tree.
#[derive(Debug, Default)]
pub struct Router {
    root: Node,
}

/// Nesting deeper than this is refused at load; it also bounds the matcher's backtracking.
pub const MAX_RESOURCE_DEPTH: usize = 64;

fn parse_template(template: &str) -> Result<Vec<Segment>, RouteError> {
    if !template.starts_with('/') {
        return Err(RouteError(format!("resource path {template:?} must start with '/'")));
    }
    let mut out = Vec::new();
    let trimmed = template.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Ok(out);
    }
    let parts: Vec<&str> = trimmed.split('/').collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        if part.is_empty() {
            return Err(RouteError(format!("resource path {template:?} has an empty segment")));
        }
        let seg = if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            if let Some(name) = inner.strip_suffix('+') {
                if i != last {
                    return Err(RouteError(format!(
                        "resource path {template:?}: greedy {{{name}+}} must be the last segment"
                    )));
                }
                check_param_name(template, name)?;
                Segment::Greedy(name.to_string())
            } else {
                check_param_name(template, inner)?;
                Segment::Param(inner.to_string())
            }
        } else if part.contains('{') || part.contains('}') {
            return Err(RouteError(format!(
                "resource path {template:?}: segment {part:?} mixes text and a {{variable}}, which API Gateway does not allow"
            )));
        } else {
            Segment::Static((*part).to_string())
        };
        out.push(seg);
    }
    if out.len() > MAX_RESOURCE_DEPTH {
        return Err(RouteError(format!(
            "resource path {template:?} is deeper than {MAX_RESOURCE_DEPTH} segments"
        )));
    }
    Ok(out)
}

fn check_param_name(template: &str, name: &str) -> Result<(), RouteError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(RouteError(format!(
            "resource path {template:?}: invalid path variable name {name:?}"
        )))
    }
}

impl Router {
    /// Adds a resource with methods. Conflicts (two different variables under one parent, the same
    /// resource twice) are refused, naming the clash.
    pub fn insert(&mut self, template: &str, resource: usize) -> Result<(), RouteError> {
        let segments = parse_template(template)?;
        let mut node = &mut self.root;
        for seg in segments {
            match seg {
                Segment::Static(s) => {
                    node = node.statics.entry(s).or_default();
                }
                Segment::Param(name) => {
                    if node.greedy.as_ref().is_some_and(|(g, _)| g != &name) {
                        return Err(RouteError(format!(
                            "resource path {template:?}: {{{name}}} conflicts with a greedy sibling variable"
                        )));
                    }
                    let slot = node
                        .param
                        .get_or_insert_with(|| (name.clone(), Box::default()));
                    if slot.0 != name {
                        return Err(RouteError(format!(
                            "resource path {template:?}: {{{name}}} conflicts with sibling variable {{{}}}",
                            slot.0
                        )));
                    }
                    node = &mut slot.1;
                }
                Segment::Greedy(name) => {
                    if node.param.as_ref().is_some_and(|(p, _)| p != &name) {
                        return Err(RouteError(format!(
                            "resource path {template:?}: {{{name}+}} conflicts with a sibling variable"
                        )));
                    }
                    if let Some((existing, _)) = &node.greedy {
                        return Err(RouteError(format!(
                            "resource path {template:?}: duplicate greedy resource (already {{{existing}+}})"
                        )));
                    }
                    node.greedy = Some((name, resource));
                    return Ok(());
                }
            }
        }
        if node.resource.is_some() {
            return Err(RouteError(format!("resource path {template:?} is defined twice")));
        }
        node.resource = Some(resource);
        Ok(())
    }

    /// Matches a request path (stage prefix already removed, query removed) to the most specific
    /// resource for which `serves(resource)` holds (the resource declares the request's method or
    /// ANY). Leading slashes and a trailing slash do not count; inner empty segments do (a `{param}`
    /// never matches "").
    pub fn find<F: Fn(usize) -> bool>(&self, path: &str, serves: &F) -> Option<RouteMatch> {
        let trimmed = path.trim_start_matches('/');
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let mut params = Vec::new();
        let found = if trimmed.is_empty() {
            // The root resource, else a root greedy resource: `/{proxy+}` does not match `/` on AWS.
            self.root.resource.filter(|r| serves(*r))
        } else {
            find_in(&self.root, trimmed, &mut params, 0, serves)
        };
        found.map(|resource| RouteMatch {
            resource,
            path_params: params,
        })
    }
}

/// Depth-first match of `rest` (non-empty, no leading slash) below `node`: static child, then
/// `{param}` child, then greedy child, each tried only if the more specific one found nothing that
/// serves the method.
fn find_in<F: Fn(usize) -> bool>(
    node: &Node,
    rest: &str,
    params: &mut Vec<(String, String)>,
    depth: usize,
    serves: &F,
) -> Option<usize> {
    if depth > MAX_RESOURCE_DEPTH {
        return None;
    }
    let (head, tail) = match rest.split_once('/') {
        Some((h, t)) => (h, Some(t)),
        None => (rest, None),
    };
    if let Some(child) = node.statics.get(head) {
        if let Some(found) = descend(child, tail, params, depth, serves) {
            return Some(found);
        }
    }
    if !head.is_empty() {
        if let Some((name, child)) = &node.param {
            params.push((name.clone(), head.to_string()));
            if let Some(found) = descend(child, tail, params, depth, serves) {
                return Some(found);
            }
            params.pop();
        }
    }
    match &node.greedy {
        Some((name, resource)) if serves(*resource) => {
            params.push((name.clone(), rest.to_string()));
            Some(*resource)
        }
        _ => None,
    }
}

fn descend<F: Fn(usize) -> bool>(
    child: &Node,
    tail: Option<&str>,
    params: &mut Vec<(String, String)>,
    depth: usize,
    serves: &F,
) -> Option<usize> {
    match tail {
        None => child.resource.filter(|r| serves(*r)),
        Some(t) => find_in(child, t, params, depth.saturating_add(1), serves),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(all(target_arch = "wasm32", target_os = "unknown"))]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    fn router(paths: &[&str]) -> Router {
        let mut r = Router::default();
        for (i, p) in paths.iter().enumerate() {
            r.insert(p, i).unwrap();
        }
        r
    }

    /// A lookup where every resource serves the method.
    fn find(r: &Router, path: &str) -> Option<RouteMatch> {
        r.find(path, &|_| true)
    }

    fn params(m: &RouteMatch) -> Vec<(&str, &str)> {
        m.path_params
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect()
    }

    // Static beats {param} beats {proxy+}, with backtracking.
    #[test]
    fn precedence_and_backtracking() {
        let r = router(&["/pets", "/pets/{id}", "/pets/mine", "/{proxy+}", "/pets/{id}/toys"]);
        assert_eq!(find(&r, "/pets").unwrap().resource, 0);
        assert_eq!(find(&r, "/pets/mine").unwrap().resource, 2);
        let m = find(&r, "/pets/7").unwrap();
        assert_eq!((m.resource, params(&m)), (1, vec![("id", "7")]));
        let m = find(&r, "/pets/7/toys").unwrap();
        assert_eq!((m.resource, params(&m)), (4, vec![("id", "7")]));
        let m = find(&r, "/pets/7/other").unwrap();
        assert_eq!((m.resource, params(&m)), (3, vec![("proxy", "pets/7/other")]));
        assert_eq!(find(&r, "/").map(|m| m.resource), None);
    }

    // AWS's recorded paths (README: "Behaviour", Routing), stage prefix already removed by the caller.
    #[test]
    fn reference_path_table() {
        let r = router(&["/{proxy+}", "/hardcoded"]);
        let m = find(&r, "/proxy-value").unwrap();
        assert_eq!(params(&m), vec![("proxy", "proxy-value")]);
        let m = find(&r, "/proxy-value/").unwrap();
        assert_eq!(params(&m), vec![("proxy", "proxy-value")]);
        let m = find(&r, "/proxy-value//double-slash").unwrap();
        assert_eq!(params(&m), vec![("proxy", "proxy-value//double-slash")]);
        let m = find(&r, "//hardcoded").unwrap();
        assert_eq!((m.resource, m.path_params.len()), (1, 0));
    }

    // Path parameters are not URL-decoded.
    #[test]
    fn params_stay_encoded() {
        let r = router(&["/users/{email}"]);
        let m = find(&r, "/users/test%2Balias@gmail.com").unwrap();
        assert_eq!(params(&m), vec![("email", "test%2Balias@gmail.com")]);
    }

    // A parent without methods is not a resource; {param} never matches an empty segment.
    #[test]
    fn parents_and_empty_segments() {
        let r = router(&["/api/{proxy+}", "/pets/{id}"]);
        assert!(find(&r, "/api").is_none());
        assert!(find(&r, "/api/").is_none());
        assert_eq!(find(&r, "/api/x/y").unwrap().resource, 0);
        assert!(find(&r, "/pets//1").is_none());
        assert!(find(&r, "/pets/").is_none());
    }

    #[test]
    fn root_resource() {
        let r = router(&["/", "/{proxy+}"]);
        assert_eq!(find(&r, "/").unwrap().resource, 0);
        assert_eq!(find(&r, "").unwrap().resource, 0);
        assert_eq!(find(&r, "//").unwrap().resource, 0);
        assert_eq!(find(&r, "/a").unwrap().resource, 1);
    }

    // Conflicts are refused at load with a message naming the clash.
    #[test]
    fn conflicts() {
        let mut r = Router::default();
        r.insert("/pets/{id}", 0).unwrap();
        let e = r.insert("/pets/{petId}/x", 1).unwrap_err();
        assert!(e.0.contains("{petId} conflicts with sibling variable {id}"), "{e}");
        assert!(r.insert("/pets/{id}", 2).unwrap_err().0.contains("defined twice"));
        assert!(r.insert("/a/{p+}/b", 3).unwrap_err().0.contains("last segment"));
        assert!(r.insert("/a/{p}.json", 3).unwrap_err().0.contains("mixes text"));
        assert!(r.insert("a", 3).unwrap_err().0.contains("start with"));
        assert!(r.insert("/a//b", 3).unwrap_err().0.contains("empty segment"));
    }

    // Matching does not depend on how many resources exist (hash lookup per level).
    #[test]
    fn many_resources() {
        let mut r = Router::default();
        for i in 0..10_000 {
            r.insert(&format!("/r{i}/{{id}}"), i).unwrap();
        }
        let m = find(&r, "/r9999/abc").unwrap();
        assert_eq!((m.resource, params(&m)), (9999, vec![("id", "abc")]));
    }

    /// A tree of (template, methods) and a lookup of (method, path) -> (template, params), the way
    /// the gateway asks: a resource serves a method it declares, or any method with ANY.
    struct Tree {
        router: Router,
        resources: Vec<(&'static str, Vec<&'static str>)>,
    }

    impl Tree {
        fn new(resources: &[(&'static str, &[&'static str])]) -> Tree {
            let mut router = Router::default();
            let mut kept = Vec::new();
            for (template, methods) in resources {
                // As the definition compiler does: a path without methods is only a parent.
                if !methods.is_empty() {
                    router.insert(template, kept.len()).unwrap();
                    kept.push((*template, methods.to_vec()));
                }
            }
            Tree { router, resources: kept }
        }

        fn route(&self, method: &str, path: &str) -> Option<(&'static str, Vec<(String, String)>)> {
            let serves = |id: usize| {
                self.resources
                    .get(id)
                    .is_some_and(|(_, ms)| ms.iter().any(|m| *m == method || *m == "ANY"))
            };
            let m = self.router.find(path, &serves)?;
            Some((self.resources[m.resource].0, m.path_params))
        }
    }

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    // Measured on real API Gateway (README: "Behaviour", Routing): the tree `/{proxy+}` ANY,
    // `/jobs` without methods, `/jobs/{operation_type}` GET, `/cors_only` OPTIONS.
    #[test]
    fn resource_method_pair_jobs_tree() {
        let t = Tree::new(&[
            ("/{proxy+}", &["ANY"]),
            ("/jobs", &[]),
            ("/jobs/{operation_type}", &["GET"]),
            ("/cors_only", &["OPTIONS"]),
        ]);
        let greedy = |v: &str| Some(("/{proxy+}", p(&[("proxy", v)])));
        assert_eq!(t.route("GET", "/jobs/reboot"), Some(("/jobs/{operation_type}", p(&[("operation_type", "reboot")]))));
        assert_eq!(t.route("GET", "/jobs"), greedy("jobs"));
        assert_eq!(t.route("POST", "/jobs"), greedy("jobs"));
        assert_eq!(t.route("POST", "/jobs/reboot"), greedy("jobs/reboot"));
        assert_eq!(t.route("GET", "/cors_only"), greedy("cors_only"));
        assert_eq!(t.route("OPTIONS", "/cors_only"), Some(("/cors_only", p(&[]))));
    }

    // A literal with only PATCH gives way to its `{param}` sibling for GET
    // (README: "Behaviour", Routing).
    #[test]
    fn literal_without_the_method_falls_back_to_param_sibling() {
        let t = Tree::new(&[("/users/me", &["PATCH"]), ("/users/{userId}", &["GET"])]);
        assert_eq!(t.route("GET", "/users/me"), Some(("/users/{userId}", p(&[("userId", "me")]))));
        assert_eq!(t.route("PATCH", "/users/me"), Some(("/users/me", p(&[]))));
        assert_eq!(t.route("POST", "/users/me"), None);
        assert_eq!(t.route("DELETE", "/users/7"), None);
    }

    // `OPTIONS /test` where `/test` has only POST and the greedy sibling declares OPTIONS
    // (README: "Behaviour", Routing).
    #[test]
    fn method_missing_on_static_falls_back_to_greedy_sibling() {
        let t = Tree::new(&[("/test", &["POST"]), ("/{proxy+}", &["OPTIONS"])]);
        assert_eq!(t.route("OPTIONS", "/test"), Some(("/{proxy+}", p(&[("proxy", "test")]))));
        assert_eq!(t.route("POST", "/test"), Some(("/test", p(&[]))));
        assert_eq!(t.route("GET", "/test"), None);
    }

    // A segment with no static child falls back past it to a parent's greedy resource
    // (README: "Behaviour", Routing).
    #[test]
    fn unknown_child_falls_back_to_root_greedy() {
        let t = Tree::new(&[("/part1", &["GET"]), ("/{param+}", &["ANY"])]);
        assert_eq!(t.route("GET", "/part1/random-value"), Some(("/{param+}", p(&[("param", "part1/random-value")]))));
        assert_eq!(t.route("GET", "/part1"), Some(("/part1", p(&[]))));
        assert_eq!(t.route("PUT", "/part1"), Some(("/{param+}", p(&[("param", "part1")]))));
    }

    // Backtracking goes through `{param}` levels and greedy resources at every depth, most specific
    // first, and the parameters of an abandoned branch do not leak into the match.
    #[test]
    fn backtracking_across_levels() {
        let t = Tree::new(&[
            ("/a/{x}/c", &["GET"]),
            ("/a/b/{y}", &["POST"]),
            ("/a/{x}/{more+}", &["DELETE"]),
            ("/{all+}", &["PUT"]),
        ]);
        assert_eq!(t.route("POST", "/a/b/c"), Some(("/a/b/{y}", p(&[("y", "c")]))));
        assert_eq!(t.route("GET", "/a/b/c"), Some(("/a/{x}/c", p(&[("x", "b")]))));
        assert_eq!(t.route("DELETE", "/a/b/c"), Some(("/a/{x}/{more+}", p(&[("x", "b"), ("more", "c")]))));
        assert_eq!(t.route("PUT", "/a/b/c"), Some(("/{all+}", p(&[("all", "a/b/c")]))));
        assert_eq!(t.route("PATCH", "/a/b/c"), None);
        // A greedy resource that lacks the method gives way to a less specific greedy one.
        assert_eq!(t.route("PUT", "/a/q/z/z"), Some(("/{all+}", p(&[("all", "a/q/z/z")]))));
    }

    // The root resource serves `/` only with the method; `/{proxy+}` never matches `/` itself.
    #[test]
    fn root_resource_and_method() {
        let t = Tree::new(&[("/", &["GET"]), ("/{proxy+}", &["ANY"])]);
        assert_eq!(t.route("GET", "/"), Some(("/", p(&[]))));
        assert_eq!(t.route("POST", "/"), None);
        assert_eq!(t.route("POST", "/x"), Some(("/{proxy+}", p(&[("proxy", "x")]))));
    }
}
