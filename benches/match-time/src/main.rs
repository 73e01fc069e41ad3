//! Resource matching time with a small and a large API: `apigw_envoy::routing::Router::find` over
//! the same mix of paths against 10 and 10,000 resources, routing on the resource + method pair.
//! Two mixes per size: GETs that the most specific resource serves, and POSTs that backtrack from
//! the deepest resource (GET only) to the root `/{proxy+}` (ANY), the everyday SAM/CDK shape.
//! Prints one line per size and mix and the ratios; `--json` prints the numbers for
//! benches/run.py instead.

use std::hint::black_box;
use std::time::Instant;

use apigw_envoy::routing::Router;

/// Lookups timed per size (after the same number again as warm-up).
const DEFAULT_LOOKUPS: usize = 1_000_000;

/// `n` resources shaped like a real export: groups of `/svcG/itemsI`, `/svcG/itemsI/{id}` and
/// `/svcG/itemsI/{id}/detail`, so matches walk static and `{param}` levels.
fn templates(n: usize) -> Vec<String> {
    let mut out = Vec::with_capacity(n);
    let mut i = 0usize;
    while out.len() < n {
        let base = format!("/svc{}/items{}", i % 100, i);
        out.push(base.clone());
        if out.len() < n {
            out.push(format!("{base}/{{id}}"));
        }
        if out.len() < n {
            out.push(format!("{base}/{{id}}/detail"));
        }
        i += 1;
    }
    out
}

/// Request paths spread over the whole tree, one per template, with concrete ids.
fn request_paths(templates: &[String]) -> Vec<String> {
    templates
        .iter()
        .enumerate()
        .map(|(k, t)| t.replace("{id}", &format!("{}", 1000 + k)))
        .collect()
}

/// Nanoseconds per `find`, cycling through a fixed sample of 1,024 paths so both sizes do the same
/// mix of shapes (the large tree's paths are spread over all its resources). Every template
/// resource declares GET; the root `/{proxy+}` declares ANY. `backtrack`: the requests are POSTs,
/// which only the greedy root serves, so each lookup walks the whole path and backs out of it.
fn time_lookups(n: usize, lookups: usize, backtrack: bool) -> Result<f64, String> {
    let templates = templates(n);
    let mut router = Router::default();
    for (id, t) in templates.iter().enumerate() {
        router.insert(t, id).map_err(|e| e.to_string())?;
    }
    let greedy = templates.len();
    router.insert("/{proxy+}", greedy).map_err(|e| e.to_string())?;
    let all = request_paths(&templates);
    let sample: Vec<&str> = (0..1024usize)
        .map(|k| all[(k * 7919) % all.len()].as_str())
        .collect();
    // GET is served by every resource; POST only by the greedy root.
    let serves_get = |_: usize| true;
    let serves_post = |id: usize| id == greedy;
    let run = |count: usize| -> Result<usize, String> {
        let mut hits = 0usize;
        for k in 0..count {
            let path = black_box(sample[k & 1023]);
            let found = if backtrack {
                router.find(path, &serves_post)
            } else {
                router.find(path, &serves_get)
            };
            match found {
                Some(m) if (m.resource == greedy) == backtrack => hits += black_box(m.resource) & 1,
                _ => return Err(format!("{path} did not match as expected")),
            }
        }
        Ok(hits)
    };
    run(lookups)?;
    let start = Instant::now();
    black_box(run(lookups)?);
    Ok(start.elapsed().as_nanos() as f64 / lookups as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let json = args.iter().any(|a| a == "--json");
    let lookups = args
        .iter()
        .find_map(|a| a.strip_prefix("--lookups=").and_then(|v| v.parse().ok()))
        .unwrap_or(DEFAULT_LOOKUPS);
    let timed = (|| -> Result<[f64; 4], String> {
        Ok([
            time_lookups(10, lookups, false)?,
            time_lookups(10_000, lookups, false)?,
            time_lookups(10, lookups, true)?,
            time_lookups(10_000, lookups, true)?,
        ])
    })();
    match timed {
        Ok([s, l, bs, bl]) => {
            if json {
                println!(
                    "{{\"ns_10\": {s:.1}, \"ns_10000\": {l:.1}, \"backtrack_ns_10\": {bs:.1}, \
                     \"backtrack_ns_10000\": {bl:.1}, \"lookups\": {lookups}}}"
                );
            } else {
                println!("match time, 10 resources:                 {s:.1} ns/lookup");
                println!("match time, 10,000 resources:             {l:.1} ns/lookup");
                println!("match time, backtracking, 10 resources:     {bs:.1} ns/lookup");
                println!("match time, backtracking, 10,000 resources: {bl:.1} ns/lookup");
                println!("ratio 10,000 / 10: {:.2} direct, {:.2} backtracking", l / s, bl / bs);
            }
        }
        Err(e) => {
            eprintln!("match-time: {e}");
            std::process::exit(1);
        }
    }
}
