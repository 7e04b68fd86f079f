#!/usr/bin/env python3
"""LSP re-lint latency of `kmslint lsp` on a 2,000-line file (Python standard library only).

Starts the language server over stdio (debounce 0 through `initializationOptions.debounceMs`,
push diagnostics), opens a generated 2,000-line `main.tf` in a fresh module directory, then
sends RUNS `textDocument/didChange` notifications, each carrying the whole new text (a full
change, as many editors send), and measures from writing each change to reading the
`textDocument/publishDiagnostics` of that version. Each change flips one
`enable_key_rotation = false` to `true` and back, so every re-lint publishes a different
result. Writes the samples as JSON and prints a one-line summary.

Usage: lsp_relint.py --bin KMSLINT --dir WORKDIR --out RESULT.json [--runs N]
                     [--rss-out FILE]   (wrap the server in /usr/bin/time -v -o FILE)
Used by bench/suite.sh; see bench/README.md.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

LINES = 2000


def big_file():
    """The same shape as tests/lsp.rs `big_file`: KMS keys (every fifth without rotation),
    S3 buckets with versioning, locals; exactly 2,000 lines."""
    out = ['locals {\n  env = "prod"\n  rotate = true\n}\n\n']
    count = 5
    i = 0
    while count < LINES - 10:
        if i % 2 == 0:
            rotate = "false" if i % 10 == 0 else "local.rotate"
            block = (
                f'resource "aws_kms_key" "key_{i}" {{\n'
                f'  description             = "key {i} for ${{local.env}}"\n'
                f"  deletion_window_in_days = 30\n"
                f"  enable_key_rotation     = {rotate}\n"
                f"  tags = {{\n"
                f'    Name  = "key-{i}"\n'
                f'    Owner = "team-{i}"\n'
                f"  }}\n"
                f"}}\n\n"
            )
        else:
            block = (
                f'resource "aws_s3_bucket" "bucket_{i}" {{\n'
                f'  bucket = "bucket-{i}-${{local.env}}"\n'
                f"  tags = {{\n"
                f'    Name = "bucket-{i}"\n'
                f"  }}\n"
                f"}}\n\n"
                f'resource "aws_s3_bucket_versioning" "v_{i}" {{\n'
                f"  bucket = aws_s3_bucket.bucket_{i}.id\n"
                f"  versioning_configuration {{\n"
                f'    status = "Enabled"\n'
                f"  }}\n"
                f"}}\n\n"
            )
        out.append(block)
        count += block.count("\n")
        i += 1
    text = "".join(out)
    while text.count("\n") < LINES:
        text += "# padding\n"
    assert text.count("\n") == LINES
    return text


class Server:
    def __init__(self, argv):
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.next_id = 0

    def send(self, msg):
        body = json.dumps(msg).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def recv(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                sys.exit("kmslint lsp closed its output")
            line = line.strip()
            if not line:
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            sys.exit("frame without Content-Length from kmslint lsp")
        return json.loads(self.proc.stdout.read(length))

    def request(self, method, params):
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params})
        while True:
            m = self.recv()
            if m.get("id") == self.next_id and "method" not in m:
                if "error" in m:
                    sys.exit(f"{method} failed: {m['error']}")
                return m.get("result")

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def published(self, uri, version):
        while True:
            m = self.recv()
            if m.get("method") == "textDocument/publishDiagnostics":
                p = m["params"]
                if p["uri"] == uri and p.get("version") == version:
                    return p
            elif "id" in m and "method" in m:
                # A request from the server (e.g. registerCapability): answer it.
                self.send({"jsonrpc": "2.0", "id": m["id"], "result": None})


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", required=True)
    ap.add_argument("--dir", required=True, help="a scratch directory for the module")
    ap.add_argument("--out", required=True)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--rss-out", help="run the server under /usr/bin/time -v -o FILE")
    args = ap.parse_args()

    os.makedirs(args.dir, exist_ok=True)
    text = big_file()
    path = os.path.realpath(os.path.join(args.dir, "main.tf"))
    with open(path, "w") as f:
        f.write(text)
    with open(os.path.join(args.dir, "variables.tf"), "w") as f:
        f.write('variable "region" {\n  default = "eu-west-1"\n}\n')
    uri = "file://" + path
    # The two texts the changes alternate between: the first unrotated key on or off.
    flipped = text.replace("enable_key_rotation     = false", "enable_key_rotation     = true", 1)
    assert flipped != text

    argv = [args.bin, "lsp"]
    if args.rss_out:
        argv = ["/usr/bin/time", "-v", "-o", args.rss_out] + argv
    s = Server(argv)
    s.request(
        "initialize",
        {
            "processId": os.getpid(),
            "rootUri": "file://" + os.path.realpath(args.dir),
            "capabilities": {"general": {"positionEncodings": ["utf-16"]}},
            "initializationOptions": {"debounceMs": 0},
        },
    )
    s.notify("initialized", {})
    s.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}},
    )
    first = s.published(uri, 1)
    base = len(first["diagnostics"])
    if base < 10:
        sys.exit(f"expected findings in the generated file, got {base}")

    samples = []
    counts = set()
    for n in range(args.runs):
        version = n + 2
        body = flipped if n % 2 == 0 else text
        start = time.perf_counter()
        s.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": body}]},
        )
        p = s.published(uri, version)
        samples.append(time.perf_counter() - start)
        counts.add(len(p["diagnostics"]))
    if len(counts) != 2:
        sys.exit(f"the edits did not change the diagnostics: counts {sorted(counts)}")

    s.request("shutdown", None)
    s.notify("exit", None)
    s.proc.stdin.close()
    code = s.proc.wait(timeout=10)
    if code != 0:
        sys.exit(f"kmslint lsp exited with {code}")

    samples.sort()
    med = statistics.median(samples)
    result = {
        "lines": LINES,
        "bytes": len(text.encode()),
        "runs": args.runs,
        "diagnostics": sorted(counts),
        "median": med,
        "p90": samples[int(len(samples) * 0.9)],
        "min": samples[0],
        "max": samples[-1],
        "times": samples,
    }
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)
    print(
        f"lsp re-lint ({LINES} lines, {args.runs} full-text changes): median {med * 1000:.3f} ms, "
        f"p90 {result['p90'] * 1000:.3f} ms, min {samples[0] * 1000:.3f} ms"
    )


if __name__ == "__main__":
    main()
