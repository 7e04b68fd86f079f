#!/usr/bin/env bash
# Render time of every output format on one-line (minified) plans with many findings, and the
# end-to-end time of `kmslint check -f FORMAT` on the same plans.
#
# Usage: bench/render.sh
# Environment: COUNTS (findings per plan, default "1000 4000 20000"), RUNS (renders per format,
#              default 5), BEFORE (another kmslint binary to time end to end as well, e.g. a
#              build of an older commit; its human format may crash, and it may take minutes).
# See bench/README.md. Plans and results go to bench/results/render/ (ignored by git).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
counts="${COUNTS:-1000 4000 20000}"
runs="${RUNS:-5}"
target="${CARGO_TARGET_DIR:-target}"
out="bench/results/render"
formats="human json sarif github gitlab junit compact rdjson"

cd "$repo"
cargo build --release --locked --bin kmslint --example render
mkdir -p "$out"

echo "== render only (lint once, then render each format in memory)"
# shellcheck disable=SC2086
"$target/release/examples/render" --runs "$runs" --write-plans "$out" $counts | tee "$out/render.txt"

# Wall and CPU seconds of one `kmslint check --format FORMAT PLAN` (exit 1: findings; a
# binary without the format exits 2, a crash 101).
end_to_end() {
    local bin="$1" label="$2"
    echo
    echo "== end to end: $label ($bin)"
    printf '%8s %10s %9s %9s %6s\n' findings format wall_s cpu_s exit
    for n in $counts; do
        for f in $formats; do
            local plan="$out/plan-$n/tfplan.json" start end cpu code
            start=$(date +%s.%N)
            set +e
            cpu=$( { TIMEFORMAT='%U %S'; time "$bin" check --format "$f" "$plan" >/dev/null 2>&1; } 2>&1 )
            code=$?
            set -e
            end=$(date +%s.%N)
            # `time` reports the status of the timed command through $? of the group.
            printf '%8s %10s %9.3f %9.3f %6s\n' "$n" "$f" "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
                "$(echo "$cpu" | awk '{print $1 + $2}')" "$code"
        done
    done
}

end_to_end "$target/release/kmslint" "this build" | tee "$out/end-to-end.txt"
if [ -n "${BEFORE:-}" ]; then
    end_to_end "$BEFORE" "BEFORE" | tee "$out/end-to-end-before.txt"
fi
