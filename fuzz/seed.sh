#!/usr/bin/env bash
# Builds the seed corpora of every fuzz target into fuzz/corpus/<target>/ (git-ignored) from
# the repository's fixtures/ and, when present, a directory of real-world Terraform
# (default /work/shared/corpus/realworld; read only, nothing from it is committed).
#
#   fuzz/seed.sh [REALWORLD_DIR]
#
# Re-running it adds files (named by content hash) and never removes what fuzzing found.
# The multi-file targets (hcl_module, fix) take files separated by a NUL byte: see
# fuzz/fuzz_targets/checks.rs.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
realworld="${1:-/work/shared/corpus/realworld}"
[ -d "$realworld" ] || realworld=""

exec python3 - "$repo" "$here/corpus" "$realworld" <<'PY'
import hashlib, os, re, sys, zlib

repo, out, realworld = sys.argv[1], sys.argv[2], sys.argv[3]
fixtures = os.path.join(repo, "fixtures")
MAX = 64 * 1024          # larger seeds make every mutation slow
SAMPLE = 12              # one real-world file in SAMPLE (deterministic)
counts = {}

def add(target, data):
    if not data or len(data) > MAX:
        return
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    name = hashlib.sha1(data).hexdigest()
    p = os.path.join(d, name)
    if not os.path.exists(p):
        with open(p, "wb") as f:
            f.write(data)
        counts[target] = counts.get(target, 0) + 1

def read(p):
    try:
        with open(p, "rb") as f:
            return f.read(MAX + 1)
    except OSError:
        return b""

def walk(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") or d == ".terraform")
        yield dirpath, sorted(filenames)

def is_plan(name):
    return name.endswith(".json") and not re.search(r"\.(tf|tofu|tfvars)\.json$", name)

def module_seed(dirpath, files):
    """main.tf, variables.tf, terraform.tfvars, child/main.tf joined by NUL."""
    tf = [f for f in files if f.endswith((".tf", ".tofu"))]
    if not tf:
        return None
    main = "main.tf" if "main.tf" in tf else tf[0]
    rest = [f for f in tf if f != main]
    variables = "variables.tf" if "variables.tf" in rest else (rest[0] if rest else None)
    tfvars = next((f for f in files if f.endswith(".tfvars")), None)
    child = None
    for sub in ("modules", "module", "child", "m"):
        base = os.path.join(dirpath, sub)
        if os.path.isdir(base):
            for dp, fs in walk(base):
                if "main.tf" in fs:
                    child = os.path.join(dp, "main.tf")
                    break
        if child:
            break
    parts = [read(os.path.join(dirpath, main)),
             read(os.path.join(dirpath, variables)) if variables else b"",
             read(os.path.join(dirpath, tfvars)) if tfvars else b""]
    if child:
        parts.append(read(child))
    while parts and not parts[-1]:
        parts.pop()
    return b"\0".join(parts)

def add_patterns(data):
    """CloudWatch filter patterns written in a configuration."""
    for m in re.finditer(rb'pattern\s*=\s*"((?:[^"\\\n]|\\.)*)"', data):
        pat = m.group(1).replace(b'\\"', b'"').replace(b"\\\\", b"\\")
        add("filter_pattern", pat)

def seed_tree(root, sample):
    n = 0
    for dirpath, files in walk(root):
        for f in files:
            n += 1
            p = os.path.join(dirpath, f)
            if sample > 1 and n % sample:
                if f.endswith((".tf", ".tofu")):
                    add_patterns(read(p))
                continue
            data = read(p)
            if f.endswith((".tf", ".tofu")):
                add("hcl_module", data)
                add("fix", data)
            elif f.endswith((".tf.json", ".tofu.json")):
                add("tf_json", data)
            elif f.endswith((".tfvars", ".tfvars.json")):
                add("tfvars", data)
            elif is_plan(f) and b'"format_version"' in data[:4096] or f.endswith(".tfstate"):
                add("plan_json", data)
            if f.endswith((".tf.json", ".tfvars.json")):
                add("tf_json", data)
            if f.endswith((".tf", ".tofu", ".tf.json")):
                add_patterns(data)
        if sample <= 1 or zlib.crc32(dirpath.encode()) % sample == 0:
            seed = module_seed(dirpath, files)
            if seed:
                add("hcl_module", seed)

seed_tree(fixtures, 1)
if realworld:
    seed_tree(realworld, SAMPLE)

# Hand-written filter patterns: every form.
for pat in [
    '{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }',
    '{ $.eventName = "DisableKey" }', '{ $.a.b[0] != * }', '{ $.x IS NULL }', '{ $.n >= 1.5e3 }',
    '{ $.eventName = %Disable.*% }', '[ip, user, ..., status = 4* && status != 403, bytes > 1000]',
    '?ERROR -"Exiting now" ?WARN Deadlock', '%AUTHORIZED|[Dd]enied\\.%', '', '{ $.* = x }',
]:
    add("filter_pattern", pat.encode())

# LSP sessions: framed JSON-RPC as an editor writes them.
def frame(body):
    b = body.encode()
    return b"Content-Length: %d\r\n\r\n" % len(b) + b

import json
uri = "file:///kmslint-fuzz/lsp/main.tf"
text = 'resource "aws_kms_key" "k" {\n  description = "x"\n}\n'
def session(caps, extra):
    msgs = [
        {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": caps, "initializationOptions": {"debounceMs": 0}}},
        {"jsonrpc": "2.0", "method": "initialized", "params": {}},
        {"jsonrpc": "2.0", "method": "textDocument/didOpen", "params": {"textDocument": {"uri": uri, "languageId": "terraform", "version": 1, "text": text}}},
    ] + extra + [
        {"jsonrpc": "2.0", "id": 99, "method": "shutdown"},
        {"jsonrpc": "2.0", "method": "exit"},
    ]
    return b"".join(frame(json.dumps(m)) for m in msgs)
rng = {"start": {"line": 0, "character": 0}, "end": {"line": 1, "character": 3}}
change = {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"range": {"start": {"line": 1, "character": 2}, "end": {"line": 1, "character": 13}}, "text": "enable_key_rotation = false"}]}}
action = {"jsonrpc": "2.0", "id": 2, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": []}}}
fixall = {"jsonrpc": "2.0", "id": 3, "method": "textDocument/codeAction", "params": {"textDocument": {"uri": uri}, "range": rng, "context": {"diagnostics": [], "only": ["source.fixAll.kmslint"]}}}
pull = {"jsonrpc": "2.0", "id": 4, "method": "textDocument/diagnostic", "params": {"textDocument": {"uri": uri}}}
save = {"jsonrpc": "2.0", "method": "textDocument/didSave", "params": {"textDocument": {"uri": uri}, "text": text + "# saved\n"}}
close = {"jsonrpc": "2.0", "method": "textDocument/didClose", "params": {"textDocument": {"uri": uri}}}
watched = {"jsonrpc": "2.0", "method": "workspace/didChangeWatchedFiles", "params": {"changes": [{"uri": "file:///kmslint-fuzz/lsp/.kmslint.toml", "type": 2}]}}
full = {"jsonrpc": "2.0", "method": "textDocument/didChange", "params": {"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": "variable \"r\" {\n  default = false\n}\nresource \"aws_kms_key\" \"k\" {\n  enable_key_rotation = var.r\n}\n"}]}}
utf8 = {"general": {"positionEncodings": ["utf-8", "utf-16"]}, "workspace": {"workspaceEdit": {"documentChanges": True}, "didChangeWatchedFiles": {"dynamicRegistration": True}, "diagnostics": {"refreshSupport": True}}}
pullcaps = {"textDocument": {"diagnostic": {}}, "workspace": {"diagnostics": {"refreshSupport": True}}}
add("lsp", session({}, [action, fixall, change, action, save, close]))
add("lsp", session(utf8, [change, fixall, full, action, watched, {"jsonrpc": "2.0", "method": "workspace/didChangeConfiguration", "params": {}}, action]))
add("lsp", session(pullcaps, [pull, change, pull, fixall, full, pull, close, pull]))
add("lsp", frame('{"jsonrpc":"2.0","id":1,"method":"shutdown"}') + frame("{not json") + b"X-Nonsense: 1\r\n\r\n" + frame('[1,2]'))

for t in sorted(counts):
    print(f"{t}: {counts[t]} new seeds")
PY
