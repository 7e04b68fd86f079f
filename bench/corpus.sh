#!/usr/bin/env bash
# Times `kmslint check` on the real-world corpus against ripgrep reading the same files.
#
# Usage: bench/corpus.sh                 build, benchmark, print the summary
#        bench/corpus.sh --report [FILE] print the summary of an earlier run's JSON only
# Environment: CORPUS (corpus directory), RUNS (timed runs per command, default 10),
#              PROFILE (cargo profile to build and time, default release; `profiling` keeps
#              debug info for perf and other profilers).
# See bench/README.md.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
corpus="${CORPUS:-$(cd "$(dirname "$0")/../.." && pwd)/shared/corpus/realworld}"
runs="${RUNS:-10}"
results_dir="bench/results"
results="$results_dir/corpus.json"
profile="${PROFILE:-release}"
bin="${CARGO_TARGET_DIR:-target}/$profile/kmslint"

cd "$repo"
# shellcheck source=bench/lib.sh
source bench/lib.sh

# Prints median of each command and the ratio kmslint/rg from a hyperfine --export-json file.
report() {
    python3 - "$1" <<'PY'
import json
import statistics
import sys

with open(sys.argv[1]) as f:
    results = json.load(f)["results"]

def median(r):
    m = r.get("median")
    return m if m is not None else statistics.median(r["times"])

def find(name, test):
    for r in results:
        if test(r["command"]):
            return r
    sys.exit(f"no {name} command in {sys.argv[1]}")

lint = find("kmslint", lambda c: "kmslint" in c.split(" check ")[0])
rg = find("rg", lambda c: c.startswith("rg "))
for name, r in (("kmslint", lint), ("rg", rg)):
    sd = r.get("stddev") or 0.0
    print(f"{name:8} median {median(r) * 1000:9.1f} ms   "
          f"(mean {r['mean'] * 1000:.1f} ms +- {sd * 1000:.1f} ms, {len(r['times'])} runs)")
ratio = median(lint) / median(rg)
print(f"ratio    kmslint/rg = {ratio:.2f}x   (target: <= 1.5x)")

# --ignore-failure hides crashes: kmslint exits 0 (clean) or 1 (findings); anything else is a bug.
bad = sorted({c for c in lint.get("exit_codes", []) if c not in (0, 1)})
if bad:
    print(f"WARNING: kmslint exited with {bad} in some runs (0 = clean, 1 = findings); "
          "the timing includes failed runs", file=sys.stderr)
PY
}

if [[ "${1:-}" == "--report" ]]; then
    report "${2:-$results}"
    exit 0
fi

if [[ ! -d "$corpus" ]]; then
    echo "corpus not found: $corpus (set CORPUS=/path/to/realworld)" >&2
    exit 2
fi

# Tools: hyperfine, rg, GNU time (/usr/bin/time), all Debian packages.
ensure_debian hyperfine:hyperfine ripgrep:rg time:/usr/bin/time || exit 2

cargo build --locked --profile "$profile"
if [[ ! -x "$bin" ]]; then
    echo "binary not found after build: $bin" >&2
    exit 2
fi

q_bin="$(quote "$bin")"
q_corpus="$(quote "$corpus")"

mkdir -p "$results_dir"
hyperfine --warmup 2 --runs "$runs" -N --ignore-failure --export-json "$results" \
    "$q_bin check --format json $q_corpus" \
    "rg -uuu -c aws_kms_key $q_corpus"

# Peak resident memory of one kmslint run (GNU time %M is in KiB).
rss_file="$(mktemp)"
trap 'rm -f "$rss_file"' EXIT
status=0
/usr/bin/time -f '%M' -o "$rss_file" "$bin" check --format json "$corpus" >/dev/null || status=$?
if ((status > 1)); then
    echo "WARNING: kmslint exited with $status during the memory run (0 = clean, 1 = findings)" >&2
fi
rss_kib="$(tail -n 1 "$rss_file")"

files="$(find "$corpus" -type f | wc -l | tr -d ' ')"
bytes="$(du -sb "$corpus" | cut -f1)"

echo
echo "corpus   $corpus"
echo "files    $files ($(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }') MiB)"
report "$results"
awk -v k="$rss_kib" 'BEGIN { printf "peak RSS kmslint = %.1f MiB\n", k / 1024 }'
echo "results  $repo/$results"
