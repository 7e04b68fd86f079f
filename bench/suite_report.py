#!/usr/bin/env python3
"""Renders docs/benchmarks.md from the raw results of bench/suite.sh (standard library only).

Usage: suite_report.py RESULTS_DIR OUTPUT.md
Reads RESULTS_DIR/meta.txt, commands.tsv, the hyperfine exports (corpus, subset, peers, file,
growth .json), lsp.json and the GNU time -v outputs rss-*.txt. See bench/README.md.
"""

import json
import os
import re
import statistics
import sys

# Targets of issue 13 item 5.
RATIO_TARGET = 1.5
RATIO_STRETCH = 1.2
FILE_TARGET_MS = 3.0
LSP_TARGET_MS = 2.0
RSS_TARGET_MB = 64.0
# Linear growth: time per byte at 4x and 16x within this factor of the time per byte at 1x.
LINEAR_TARGET = 1.2


def load(results):
    meta = {}
    with open(os.path.join(results, "meta.txt")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("=")
            meta[k] = v
    cmds = {}
    with open(os.path.join(results, "commands.tsv")) as f:
        for line in f:
            k, _, v = line.rstrip("\n").partition("\t")
            cmds[k] = v
    return meta, cmds


def hyperfine(results, key):
    with open(os.path.join(results, f"{key}.json")) as f:
        return json.load(f)["results"]


def find(rs, test):
    for r in rs:
        if test(r["command"]):
            return r
    raise SystemExit(f"no matching command in {[r['command'] for r in rs]}")


def rss_mb(results, key):
    try:
        with open(os.path.join(results, f"rss-{key}.txt")) as f:
            m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", f.read())
    except FileNotFoundError:
        return None
    return int(m.group(1)) / 1024 if m else None


def findings(results, key, kind):
    """How many findings the memory run of a command reported (a check that it did work)."""
    try:
        with open(os.path.join(results, f"out-{key}")) as f:
            text = f.read()
        if kind == "kmslint":
            return len(json.loads(text)["findings"])
        if kind == "trivy":
            d = json.loads(text)
            return sum(
                1
                for r in d.get("Results") or []
                for m in r.get("Misconfigurations") or []
                if m.get("Status", "FAIL") == "FAIL"
            )
        if kind == "checkov":
            d = json.loads(text)
            reports = d if isinstance(d, list) else [d]
            return sum(len(r.get("results", {}).get("failed_checks", [])) for r in reports)
    except (FileNotFoundError, ValueError, KeyError):
        return None
    return None


def med(r):
    m = r.get("median")
    return m if m is not None else statistics.median(r["times"])


def fmt_t(s):
    if s is None:
        return "—"
    ms = s * 1000
    if ms < 10:
        return f"{ms:.2f} ms"
    if ms < 1000:
        return f"{ms:.1f} ms"
    return f"{s:.2f} s"


def fmt_mb(mb):
    return "—" if mb is None else f"{mb:.1f} MB"


def fmt_bytes(b):
    return f"{int(b) / 1e6:.1f} MB"


def spread(r):
    return f"{fmt_t(min(r['times']))} – {fmt_t(max(r['times']))}"


def verdict(ok):
    return "**met**" if ok else "**unmet**"


def main():
    results, output = sys.argv[1], sys.argv[2]
    meta, cmds = load(results)
    rows = []

    def row(what, key, r=None, *, median=None, rng=None, n=None, rss=None, found=None,
            ratio="", target="", result=""):
        if r is not None:
            median = med(r)
            rng = spread(r)
            n = len(r["times"])
        rows.append(
            [what, f"`{cmds[key]}`" if key in cmds else "", str(n or ""),
             "" if median is None else fmt_t(median), rng or "",
             "" if rss is None else fmt_mb(rss), "" if found is None else str(found),
             ratio, target, result]
        )

    def is_rg(c):
        return c.startswith("rg ")

    def is_lint(c):
        return " check " in c and not is_rg(c)

    # (a) whole corpus
    corpus = hyperfine(results, "corpus")
    lint, rg = find(corpus, is_lint), find(corpus, is_rg)
    ratio = med(lint) / med(rg)
    corpus_rss = rss_mb(results, "corpus_kmslint")
    scope = f"{int(meta['corpus_files']):,} files, {fmt_bytes(meta['corpus_bytes'])}"
    row(f"(a) whole corpus ({scope}): kmslint", "corpus_kmslint", lint, rss=corpus_rss,
        found=findings(results, "corpus_kmslint", "kmslint"),
        target=f"peak RSS < {RSS_TARGET_MB:.0f} MB",
        result=verdict(corpus_rss is not None and corpus_rss < RSS_TARGET_MB))
    row("(a) whole corpus: rg (the floor)", "corpus_rg", rg, rss=rss_mb(results, "corpus_rg"))
    row("(a) whole corpus: kmslint / rg", "", ratio=f"**{ratio:.2f}x**",
        target=f"≤ {RATIO_TARGET}x (stretch ≤ {RATIO_STRETCH}x)",
        result=verdict(ratio <= RATIO_TARGET)
        + (" (stretch met)" if ratio <= RATIO_STRETCH else " (stretch unmet)"))

    # (b) KMS-heavy subset
    subset = hyperfine(results, "subset")
    peers = hyperfine(results, "peers")
    s_lint, s_rg = find(subset, is_lint), find(subset, is_rg)
    trivy = find(peers, lambda c: " config " in c)
    checkov = find(peers, lambda c: "checkov" in c)
    scope = f"{int(meta['subset_files']):,} files, {fmt_bytes(meta['subset_bytes'])}"
    row(f"(b) KMS-heavy subset ({scope}): kmslint", "subset_kmslint", s_lint,
        rss=rss_mb(results, "subset_kmslint"), found=findings(results, "subset_kmslint", "kmslint"))
    row("(b) subset: rg (the floor)", "subset_rg", s_rg, rss=rss_mb(results, "subset_rg"),
        ratio=f"kmslint/rg {med(s_lint) / med(s_rg):.2f}x")
    row("(b) subset: trivy", "subset_trivy", trivy, rss=rss_mb(results, "subset_trivy"),
        found=findings(results, "subset_trivy", "trivy"),
        ratio=f"trivy/kmslint **{med(trivy) / med(s_lint):.0f}x**")
    row("(b) subset: checkov", "subset_checkov", checkov, rss=rss_mb(results, "subset_checkov"),
        found=findings(results, "subset_checkov", "checkov"),
        ratio=f"checkov/kmslint **{med(checkov) / med(s_lint):.0f}x**")

    # (c) one file
    file_rs = hyperfine(results, "file")
    f_lint, f_rg = find(file_rs, is_lint), find(file_rs, is_rg)
    scope = f"{int(meta['one_file_lines']):,} lines"
    row(f"(c) one file, the pre-commit case ({scope}): kmslint", "file_kmslint", f_lint,
        rss=rss_mb(results, "file_kmslint"),
        target=f"< {FILE_TARGET_MS:.0f} ms", result=verdict(med(f_lint) * 1000 < FILE_TARGET_MS))
    row("(c) one file: rg (the floor)", "file_rg", f_rg, rss=rss_mb(results, "file_rg"),
        ratio=f"kmslint/rg {med(f_lint) / med(f_rg):.2f}x")

    # (d) LSP
    with open(os.path.join(results, "lsp.json")) as f:
        lsp = json.load(f)
    row(f"(d) LSP re-lint of a {lsp['lines']:,}-line file: change → publishDiagnostics",
        "lsp", median=lsp["median"], n=lsp["runs"],
        rng=f"p90 {fmt_t(lsp['p90'])}, {fmt_t(lsp['min'])} – {fmt_t(lsp['max'])}",
        rss=rss_mb(results, "lsp"), target=f"< {LSP_TARGET_MS:.0f} ms",
        result=verdict(lsp["median"] * 1000 < LSP_TARGET_MS))

    # (f) growth
    growth = hyperfine(results, "growth")
    sizes = {"x1": int(meta["corpus_bytes"]), "x4": int(meta["x4_bytes"]),
             "x16": int(meta["x16_bytes"])}
    base = {}
    for tool, test in (("kmslint", is_lint), ("rg", is_rg)):
        for key in ("x1", "x4", "x16"):
            path = meta["corpus"] if key == "x1" else f"growth-{key}"
            r = find(growth, lambda c, t=test, p=path: t(c) and c.rstrip().endswith(p))
            per_byte = med(r) / sizes[key]
            base.setdefault(tool, per_byte)
            rel = per_byte / base[tool]
            k = f"growth_{key}" if tool == "kmslint" else f"growth_rg_{key}"
            extra = {}
            if tool == "kmslint" and key != "x1":
                extra = dict(target=f"per byte ≤ {LINEAR_TARGET}x of 1x (linear)",
                             result=verdict(rel <= LINEAR_TARGET))
            row(f"(f) growth {key[1:]}x ({fmt_bytes(sizes[key])}): {tool}", k, r,
                rss=rss_mb(results, k) if tool == "kmslint" and key != "x1" else
                (corpus_rss if tool == "kmslint" else None),
                ratio=f"per byte {rel:.2f}x of 1x", **extra)

    header = ["Measurement", "Command", "Runs", "Median", "Min – max", "Peak RSS", "Findings",
              "Ratio", "Target", "Result"]
    load_start = meta.get("load_start", "?")
    load_end = meta.get("load_end", "?")
    busy = max(float(x) for x in (load_start.split() + load_end.split()) if x) if load_start != "?" else 0
    cores = int(meta.get("cores", "1"))
    shared = busy > cores * 0.5
    lines = [
        "# Benchmarks",
        "",
        "Generated by [`bench/suite.sh`](../bench/suite.sh) (see [`bench/README.md`](../bench/README.md));",
        "do not edit by hand: run `bench/suite.sh` again, or `bench/suite.sh --render` to re-render",
        "the raw results of the last run (`bench/results/suite/`).",
        "",
        f"- Date: {meta['date']}; kmslint built from commit `{meta['commit']}`; suite run time {meta.get('seconds', '?')} s",
        f"- Machine: {meta['cpu']}, {meta['cores']} cores, {int(meta['mem_kib']) / 1048576:.1f} GiB RAM, "
        f"Linux {meta['kernel']}",
        f"- Load average (1, 5, 15 min) at the start: {load_start}; at the end: {load_end}"
        + (f". **The machine was shared** (load above half of its {cores} cores from other jobs), so the "
           "times are noisy and inflated; the ratios, all taken in the same run, travel better than the "
           "absolute times." if shared else "."),
        f"- Tools: {meta['v_kmslint']} (`cargo build --release --locked`, {meta['v_rustc']}); "
        f"{meta['v_rg']}; {meta['v_hyperfine']}; {meta['v_time']}; {meta['v_trivy']}; "
        f"{meta['v_checkov']} ({meta['v_python']})",
        f"- Corpus: `{meta['corpus']}`: {int(meta['corpus_files']):,} files, "
        f"{fmt_bytes(meta['corpus_bytes'])}. KMS-heavy subset (copied to "
        f"`bench/.cache/data/kms-subset/`): {', '.join('`' + s + '`' for s in meta['subset'].split())}. "
        f"Growth: the corpus copied 4 and 16 times into sibling directories "
        f"(`bench/.cache/data/growth-x4/copy-NN/`, `growth-x16/copy-NN/`).",
        "",
        "## Results",
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join("---" for _ in header) + "|",
    ]
    for r in rows:
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in r) + " |")
    lines += [
        "",
        "Not measured by the suite: the issue's target *never more than one full parse of a file per run*.",
        "",
        "## How the numbers are taken",
        "",
        f"- Times: hyperfine `-N` (no shell), medians of the runs shown; kmslint and rg {meta['runs']} "
        f"runs after 2 warm-ups, trivy and checkov {meta['peer_runs']} runs each after their memory run "
        f"(which doubles as the warm-up), one file {meta['file_runs']} runs after 10 warm-ups, growth "
        f"{meta['growth_runs']} runs after 1 warm-up. Every command reads from a warm page cache. "
        "kmslint exits 1 when it has findings and checkov when it has failed checks, so exit codes are "
        "ignored while timing; the memory runs fail the suite on any other exit code.",
        "- Ratios are of medians. `kmslint/rg`: kmslint's time over ripgrep reading the same bytes "
        "without parsing (the floor). `trivy/kmslint`, `checkov/kmslint`: how many times longer the "
        "peer takes on the subset. Growth: time per byte at 4x and 16x over the time per byte at 1x "
        "(1.00x = exactly linear).",
        "- Peak RSS: GNU `/usr/bin/time -v` (maximum resident set size) of one separate run of the "
        "same command; for the LSP row, of the `kmslint lsp` process for the whole session. For a "
        "command that starts subprocesses GNU time reports the largest single process, not the sum.",
        "- Findings: what the memory run reported (kmslint: findings; trivy: failed misconfigurations; "
        "checkov: failed checks), to show each tool did scan the files. The tools check different "
        "things, so the counts are not comparable.",
        f"- LSP: `bench/lsp_relint.py` starts `kmslint lsp` with `initializationOptions.debounceMs = 0`, "
        f"opens a generated {lsp['lines']:,}-line `main.tf` ({lsp['bytes']:,} bytes: KMS keys, S3 "
        f"buckets, locals) and sends {lsp['runs']} `textDocument/didChange` notifications with the "
        "full text, each flipping one `enable_key_rotation`; each sample is the time from writing the "
        "change to reading its `textDocument/publishDiagnostics` (the diagnostics alternate between "
        f"{' and '.join(str(c) for c in lsp['diagnostics'])}).",
        "- Offline: trivy runs with `--skip-check-update` (its built-in checks; 0.59 has no "
        "`--offline-scan` for `config`), checkov with `--skip-download`; neither reaches the network.",
        "",
    ]
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    with open(output, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines[lines.index("## Results") + 2:lines.index("## How the numbers are taken") - 3]))


if __name__ == "__main__":
    main()
