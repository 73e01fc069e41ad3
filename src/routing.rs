//! API Gateway's resource matching: a segment tree over the definition's `paths`.
//!
//! Precedence at each level is static segment, then `{param}`, then greedy `{proxy+}` (which may
//! only be the last segment), with backtracking: `/pets/1/x` falls through to `/{proxy+}` when
//! `/pets/{id}` has no child `x`. Only resources that have at least one method can match (a
//! resource that exists only as a parent, like `/api` under `/api/{proxy+}`, is unknown, as on AWS).
//! Lookup cost depends on the path's depth, not on the number of resources: children are found
//! through a hash map.

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

    /// Matches a request path (stage prefix already removed, query removed). Leading slashes and a
    /// trailing slash do not count; inner empty segments do (a `{param}` never matches "").
    pub fn find(&self, path: &str) -> Option<RouteMatch> {
        let trimmed = path.trim_start_matches('/');
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        let mut params = Vec::new();
        let found = if trimmed.is_empty() {
            self.root.resource
        } else {
            find_in(&self.root, trimmed, &mut params, 0)
        };
        found.map(|resource| RouteMatch {
            resource,
            path_params: params,
        })
    }
}

/// Depth-first match of `rest` (non-empty, no leading slash) below `node`.
fn find_in(
    node: &Node,
    rest: &str,
    params: &mut Vec<(String, String)>,
    depth: usize,
) -> Option<usize> {
    if depth > MAX_RESOURCE_DEPTH {
        return None;
    }
    let (head, tail) = match rest.split_once('/') {
        Some((h, t)) => (h, Some(t)),
        None => (rest, None),
    };
    if let Some(child) = node.statics.get(head) {
        if let Some(found) = descend(child, tail, params, depth) {
            return Some(found);
        }
    }
    if !head.is_empty() {
        if let Some((name, child)) = &node.param {
            params.push((name.clone(), head.to_string()));
            if let Some(found) = descend(child, tail, params, depth) {
                return Some(found);
            }
            params.pop();
        }
    }
    if let Some((name, resource)) = &node.greedy {
        params.push((name.clone(), rest.to_string()));
        return Some(*resource);
    }
    None
}

fn descend(
    child: &Node,
    tail: Option<&str>,
    params: &mut Vec<(String, String)>,
    depth: usize,
) -> Option<usize> {
    match tail {
        None => child.resource,
        Some(t) => find_in(child, t, params, depth.saturating_add(1)),
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
        assert_eq!(r.find("/pets").unwrap().resource, 0);
        assert_eq!(r.find("/pets/mine").unwrap().resource, 2);
        let m = r.find("/pets/7").unwrap();
        assert_eq!((m.resource, params(&m)), (1, vec![("id", "7")]));
        let m = r.find("/pets/7/toys").unwrap();
        assert_eq!((m.resource, params(&m)), (4, vec![("id", "7")]));
        let m = r.find("/pets/7/other").unwrap();
        assert_eq!((m.resource, params(&m)), (3, vec![("proxy", "pets/7/other")]));
        assert_eq!(r.find("/").map(|m| m.resource), None);
    }

    // The reference's path table (§1), stage prefix already removed by the caller.
    #[test]
    fn reference_path_table() {
        let r = router(&["/{proxy+}", "/hardcoded"]);
        let m = r.find("/proxy-value").unwrap();
        assert_eq!(params(&m), vec![("proxy", "proxy-value")]);
        let m = r.find("/proxy-value/").unwrap();
        assert_eq!(params(&m), vec![("proxy", "proxy-value")]);
        let m = r.find("/proxy-value//double-slash").unwrap();
        assert_eq!(params(&m), vec![("proxy", "proxy-value//double-slash")]);
        let m = r.find("//hardcoded").unwrap();
        assert_eq!((m.resource, m.path_params.len()), (1, 0));
    }

    // Path parameters are not URL-decoded.
    #[test]
    fn params_stay_encoded() {
        let r = router(&["/users/{email}"]);
        let m = r.find("/users/test%2Balias@gmail.com").unwrap();
        assert_eq!(params(&m), vec![("email", "test%2Balias@gmail.com")]);
    }

    // A parent without methods is not a resource; {param} never matches an empty segment.
    #[test]
    fn parents_and_empty_segments() {
        let r = router(&["/api/{proxy+}", "/pets/{id}"]);
        assert!(r.find("/api").is_none());
        assert!(r.find("/api/").is_none());
        assert_eq!(r.find("/api/x/y").unwrap().resource, 0);
        assert!(r.find("/pets//1").is_none());
        assert!(r.find("/pets/").is_none());
    }

    #[test]
    fn root_resource() {
        let r = router(&["/", "/{proxy+}"]);
        assert_eq!(r.find("/").unwrap().resource, 0);
        assert_eq!(r.find("").unwrap().resource, 0);
        assert_eq!(r.find("//").unwrap().resource, 0);
        assert_eq!(r.find("/a").unwrap().resource, 1);
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
        let m = r.find("/r9999/abc").unwrap();
        assert_eq!((m.resource, params(&m)), (9999, vec![("id", "abc")]));
    }
}
