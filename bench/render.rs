//! Render time of every output format on one-line (minified) plans with many findings: the
//! shape `terraform show -json` writes. Run through `bench/render.sh`, or directly:
//!
//! ```sh
//! cargo run --release --example render -- [--runs N] [--write-plans DIR] [--format F]... [FINDINGS...]
//! ```
//!
//! For each count (default 1000 4000 20000) it builds a minified copy of
//! `fixtures/plan-kms-and-config/plan.json` whose `resource_changes` hold that many KMS keys
//! without rotation, lints it once, then renders the result in every format `--runs` times
//! (default 5) and prints the median and the slowest render. Lint time is printed apart: it is
//! not the renderers' cost. `--format` (repeatable) limits the formats rendered.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kmslint::report::{self, Format, RenderOptions};
use serde_json::Value;

// As in the binary (src/main.rs): rendering allocates many small values.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const FORMATS: [(&str, Format); 8] = [
    ("human", Format::Human),
    ("json", Format::Json),
    ("sarif", Format::Sarif),
    ("github", Format::Github),
    ("gitlab", Format::Gitlab),
    ("junit", Format::Junit),
    ("compact", Format::Compact),
    ("rdjson", Format::Rdjson),
];

fn main() {
    let mut runs = 5;
    let mut write_plans: Option<PathBuf> = None;
    let mut counts = Vec::new();
    let mut only: Vec<String> = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|n| n.parse().ok()).expect("--runs N"),
            "--write-plans" => write_plans = Some(PathBuf::from(args.next().expect("DIR"))),
            "--format" => only.push(args.next().expect("--format NAME")),
            n => counts.push(n.parse::<usize>().expect("a number of findings")),
        }
    }
    if counts.is_empty() {
        counts = vec![1000, 4000, 20_000];
    }
    let scratch = std::env::temp_dir().join(format!("kmslint-render-bench-{}", std::process::id()));
    println!(
        "{:>8} {:>9} {:>8} {:>10}  render median / max of {runs} runs, ms",
        "findings", "plan MiB", "lint ms", "format"
    );
    for n in counts {
        let dir = match &write_plans {
            Some(d) => d.join(format!("plan-{n}")),
            None => scratch.join(format!("plan-{n}")),
        };
        let plan = write_plan(&dir, n);
        let size = std::fs::metadata(&plan).map_or(0, |m| m.len());
        let started = Instant::now();
        let out = kmslint::lint_paths(std::slice::from_ref(&plan));
        let lint = started.elapsed();
        assert_eq!(out.findings.len(), n, "findings in {}", plan.display());
        for (name, format) in FORMATS {
            if !only.is_empty() && !only.iter().any(|o| o == name) {
                continue;
            }
            let options = RenderOptions::default();
            let mut times: Vec<Duration> = (0..runs)
                .map(|_| {
                    let t = Instant::now();
                    let s = report::render(&out, None, format, &options);
                    let d = t.elapsed();
                    std::hint::black_box(s);
                    d
                })
                .collect();
            times.sort();
            println!(
                "{n:>8} {:>9.1} {:>8.0} {name:>10}  {:>8.1} / {:>8.1}",
                size as f64 / (1 << 20) as f64,
                lint.as_secs_f64() * 1e3,
                times[times.len() / 2].as_secs_f64() * 1e3,
                times[times.len() - 1].as_secs_f64() * 1e3,
            );
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
}

/// Writes `DIR/tfplan.json`: the fixture plan, minified, with `n` unrotated keys.
fn write_plan(dir: &Path, n: usize) -> PathBuf {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/plan-kms-and-config/plan.json");
    let mut plan: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture).expect("fixture plan")).unwrap();
    let changes = plan["resource_changes"].as_array().unwrap();
    let key = changes
        .iter()
        .find(|r| r["address"] == "aws_kms_key.logs")
        .expect("aws_kms_key.logs in the fixture")
        .clone();
    let keys: Vec<Value> = (0..n)
        .map(|i| {
            let mut k = key.clone();
            k["address"] = format!("aws_kms_key.k{i}").into();
            k["name"] = format!("k{i}").into();
            k
        })
        .collect();
    plan["resource_changes"] = keys.into();
    // The configuration would map findings back to `.tf` files that are not here.
    if let Some(o) = plan.as_object_mut() {
        o.remove("configuration");
        o.remove("planned_values");
    }
    std::fs::create_dir_all(dir).unwrap();
    let path = dir.join("tfplan.json");
    std::fs::write(&path, serde_json::to_string(&plan).unwrap()).unwrap();
    path
}
