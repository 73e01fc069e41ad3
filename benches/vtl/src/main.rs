//! Render speed of the VTL engine on six mapping templates (benches/vtl/templates), for
//! benches/vtl/run.sh. The same source runs natively and as wasm32-wasip1 under Node's node:wasi.
//!
//! Each template is compiled once; a render is what the filter does per request: build the `Env`
//! (`$input` over the body, a small `$context`), then render. Per template: warm-up, then
//! `samples` timed samples of about `sample_ms` each; the median rate is reported.
//!
//! Usage: bench-vtl ENGINE_LABEL [warmup_ms sample_ms samples [TEMPLATE_NAME]]   (one template: for perf)
//! Prints one JSON line per template: {"engine", "template", "renders_per_s", "us_per_render", "output"}.
//!
//! Or: bench-vtl --count N [TEMPLATE_NAME]: compiles, then renders each template exactly N times
//! and prints nothing (a fixed amount of work for callgrind: benches/vtl/icount.sh).

use std::hint::black_box;
use std::time::{Duration, Instant};

use apigw_envoy::vtl::{Env, Input, Template, Value};

/// (name, template, body): the files are embedded so the wasm build needs no file system.
const CASES: [(&str, &str, &str); 6] = [
    ("dynamodb-putitem", include_str!("../templates/dynamodb-putitem.vtl"), include_str!("../bodies/dynamodb-putitem.json")),
    ("sqs-sendmessage", include_str!("../templates/sqs-sendmessage.vtl"), include_str!("../bodies/sqs-sendmessage.json")),
    ("foreach-100", include_str!("../templates/foreach-100.vtl"), include_str!("../bodies/foreach-100.json")),
    ("response-escape", include_str!("../templates/response-escape.vtl"), include_str!("../bodies/response-escape.json")),
    ("input-path-100k", include_str!("../templates/input-path-100k.vtl"), include_str!("../bodies/input-path-100k.json")),
    ("string-methods", include_str!("../templates/string-methods.vtl"), include_str!("../bodies/string-methods.json")),
];

/// The per-request environment, as the other engines' harnesses build it.
fn env_for(body: &str) -> Env {
    let env = Env::new(Input { body: body.to_string(), ..Input::default() });
    env.context.map_insert("requestId", Value::from("c0ffee00-0000-4000-8000-000000000000"));
    env.context.map_insert("stage", Value::from("prod"));
    env
}

fn render(template: &Template, body: &str) -> Result<String, String> {
    template.render(&mut env_for(body)).map_err(|e| e.to_string())
}

/// Renders for about `span`; returns (renders, elapsed).
fn run_for(template: &Template, body: &str, span: Duration) -> (u64, Duration) {
    let start = Instant::now();
    let mut n = 0u64;
    loop {
        for _ in 0..16 {
            black_box(render(template, black_box(body)).map(|s| s.len()).unwrap_or(0));
        }
        n += 16;
        let elapsed = start.elapsed();
        if elapsed >= span {
            return (n, elapsed);
        }
    }
}

fn json_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `--count N [TEMPLATE]`: exactly N renders of each template (or of the one named), no output.
fn count(n: u64, only: Option<&String>) -> Result<(), String> {
    for (name, source, body) in CASES {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let template = Template::compile(source).map_err(|e| format!("{name}: {e}"))?;
        for _ in 0..n {
            black_box(render(&template, black_box(body))?.len());
        }
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "--count") {
        let n = args.get(2).and_then(|a| a.parse().ok()).ok_or("--count needs a number")?;
        return count(n, args.get(3));
    }
    let label = args.get(1).cloned().unwrap_or_else(|| "native".into());
    let num = |i: usize, d: u64| args.get(i).and_then(|a| a.parse().ok()).unwrap_or(d);
    let (warmup, sample, samples) = (num(2, 300), num(3, 200), num(4, 5).max(1));
    let only = args.get(5);
    for (name, source, body) in CASES {
        if only.is_some_and(|o| o != name) {
            continue;
        }
        let template = Template::compile(source).map_err(|e| format!("{name}: {e}"))?;
        let output = render(&template, body).map_err(|e| format!("{name}: {e}"))?;
        run_for(&template, body, Duration::from_millis(warmup));
        let mut rates: Vec<f64> = (0..samples)
            .map(|_| {
                let (n, t) = run_for(&template, body, Duration::from_millis(sample));
                n as f64 / t.as_secs_f64()
            })
            .collect();
        rates.sort_by(|a, b| a.total_cmp(b));
        let rate = rates[rates.len() / 2];
        println!(
            "{{\"engine\": {}, \"template\": {}, \"renders_per_s\": {rate:.1}, \"us_per_render\": {:.3}, \"output\": {}}}",
            json_string(&label),
            json_string(name),
            1e6 / rate,
            json_string(&output)
        );
    }
    Ok(())
}
