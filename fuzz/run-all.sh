#!/usr/bin/env bash
# Runs fuzz targets one after another, each for $SECONDS_PER (default 600) seconds, in
# libFuzzer's fork mode with one job, so a crash, timeout or OOM is saved under
# artifacts/<target>/ and fuzzing goes on. Logs go to logs/<target>.log (git-ignored), one
# line per target to logs/summary.txt. Runs under nice -n 10 (NICE=...) with one rayon thread.
#
#   fuzz/run-all.sh [TARGET...]        (default: every target)
set -uo pipefail
cd "$(dirname "$0")"
per="${SECONDS_PER:-600}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(hcl_module tf_json tfvars plan_json fix lsp filter_pattern hcl_tree)
mkdir -p logs
for t in "${targets[@]}"; do
  case "$t" in
    tf_json|plan_json|lsp) dict=(-dict=dict/json.dict) ;;
    hcl_module|tfvars|fix) dict=(-dict=dict/hcl.dict) ;;
    filter_pattern) dict=(-dict=dict/filter_pattern.dict) ;;
    *) dict=() ;;
  esac
  mkdir -p "corpus/$t"
  echo "== $t: $(date -u +%FT%TZ)" >> logs/summary.txt
  # One thread for rayon: the machine is shared.
  RAYON_NUM_THREADS=1 nice -n "${NICE:-10}" cargo +nightly fuzz run "$t" "corpus/$t" -- \
    -max_total_time="$per" -rss_limit_mb=2048 -timeout=10 -fork=1 \
    -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 "${dict[@]}" \
    > "logs/$t.log" 2>&1
  echo "   exit $?; $(grep -E '^#[0-9]+: cov' "logs/$t.log" | tail -1)" >> logs/summary.txt
  echo "   corpus: $(ls "corpus/$t" | wc -l) files" >> logs/summary.txt
done
