#!/usr/bin/env python3
"""Runs every case through `terraform console` and writes the normalized results as JSON.

A case is (group, files, expr). The result is what terraform console prints, ANSI codes
stripped, whitespace collapsed, typed nulls (`tostring(null)`) written as `null`, and any
error as `Error`.
"""
import json, os, re, subprocess, sys, tempfile

def normalize(out):
    out = re.sub(r'\x1b\[[0-9;]*m', '', out)
    if 'Error:' in out:
        return 'Error'
    lines = [l for l in out.splitlines() if l.strip()]
    s = ' '.join(lines)
    s = re.sub(r'\s+', ' ', s).strip()
    s = re.sub(r'to(string|number|bool|list|set|map)\(null\)( /\* of [a-z]+ \*/)?', 'null', s)
    s = re.sub(r'null /\* [a-z]+ \*/', 'null', s)
    return s

def run(files, expr):
    with tempfile.TemporaryDirectory() as d:
        for name, text in files.items():
            with open(os.path.join(d, name), 'w') as f:
                f.write(text)
        p = subprocess.run(['terraform', 'console'], input=expr + '\n', cwd=d,
                           capture_output=True, text=True, timeout=60)
        return normalize(p.stdout + p.stderr)

def main():
    cases = json.load(open(sys.argv[1]))
    out = []
    for c in cases:
        r = run(c['files'], c['expr'])
        out.append(dict(c, want=r))
        print(f"{c['expr']!r:70} => {r}", file=sys.stderr)
    json.dump(out, open(sys.argv[2], 'w'), indent=1)

if __name__ == '__main__':
    main()
