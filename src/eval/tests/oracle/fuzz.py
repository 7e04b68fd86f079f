#!/usr/bin/env python3
"""Differential testing of kmslint's evaluator against `terraform console`.

Generates random expressions, evaluates them with Terraform and with kmslint (through the
ignored test `evaluate_expressions_from_file`), and reports every case where kmslint gives
a known value different from Terraform's, a value where Terraform fails, or an error where
Terraform succeeds. kmslint being unknown is always allowed (counted).

    python3 fuzz.py [N] [SEED]      # from src/eval/tests/oracle, terraform on PATH
    python3 fuzz.py 5000 1 --crash-only   # kmslint alone, extreme values: panics, hangs
"""
import json, os, random, subprocess, sys, tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen import run  # noqa: E402

BASE = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'cases.py')).read()
BASE = BASE[BASE.index("BASE = '''") + 10:]
BASE = BASE[:BASE.index("'''")]

R = random.Random()

STRINGS = ['"a"', '"b"', '""', '"A b"', '"1"', '"true"', '"x,y"', '"k"', '"0"', '"false"']
NUMS = ['0', '1', '2', '3', '-1', '1.5', '10', '0.5', '100']
# With --crash-only: extreme values too, kmslint alone, looking for panics and hangs.
EXTREME = ['1e308', '-1e308', '9007199254740993', '1e-300', '-0', '4294967296', '1e18',
           '"%[0]d"', '"%999999999d"', '"\\\\"', '"${"', '"🏳️‍🌈"', '"\\u0000"']


def prim():
    c = R.random()
    if c < 0.35:
        return R.choice(STRINGS)
    if c < 0.7:
        return R.choice(NUMS + (EXTREME if CRASH_ONLY else []))
    if c < 0.85:
        return R.choice(['true', 'false'])
    if c < 0.9:
        return 'null'
    return R.choice(['local.u', 'local.names[0]', 'local.users.bob'])


def coll(d):
    c = R.random()
    n = R.randint(0, 3)
    if c < 0.3:
        return '[%s]' % ', '.join(expr(d + 1) for _ in range(n))
    if c < 0.5:
        keys = R.sample(['a', 'b', 'c', 'd'], n)
        return '{%s}' % ', '.join('%s = %s' % (k, expr(d + 1)) for k in keys)
    if c < 0.65:
        return '%s(%s)' % (R.choice(['tolist', 'toset', 'tomap']), coll(d + 1))
    return R.choice(['local.objs', 'local.m', 'local.nested', 'local.users', 'local.names',
                     'local.objs[*].name', 'local.objs.*.tags', 'local.nested[*][0]'])


FUNCS = {
    1: ['length', 'keys', 'values', 'tolist', 'toset', 'tomap', 'tostring', 'tonumber', 'tobool',
        'upper', 'lower', 'title', 'trimspace', 'distinct', 'flatten', 'sort', 'reverse', 'one',
        'sum', 'compact', 'alltrue', 'anytrue', 'jsonencode', 'abs', 'ceil', 'floor', 'transpose',
        'merge', 'concat', 'coalesce', 'coalescelist', 'min', 'max', 'range', 'setunion'],
    2: ['contains', 'element', 'index', 'lookup', 'join', 'split', 'startswith', 'endswith',
        'trimprefix', 'trimsuffix', 'trim', 'zipmap', 'chunklist', 'merge', 'concat', 'coalesce',
        'setunion', 'setintersection', 'setsubtract', 'format', 'formatlist', 'regexall', 'min',
        'max', 'range', 'strcontains', 'coalescelist'],
    3: ['lookup', 'slice', 'substr', 'replace', 'range', 'format', 'formatlist', 'merge', 'concat'],
}


def call(d):
    n = R.choice([1, 1, 2, 2, 3])
    f = R.choice(FUNCS[n])
    args = []
    for i in range(n):
        if f in ('format', 'formatlist') and i == 0:
            args.append(R.choice(['"%s"', '"%d"', '"%v-%s"', '"%s=%s"', '"%05.1f"', '"%q"', '"%t"', '"x"']))
        elif f in ('regexall',) and i == 0:
            args.append(R.choice(['"[a-z]+"', '"(a)(b)?"', '"\\\\d"', '"x*"']))
        else:
            args.append(expr(d + 1))
    return '%s(%s)' % (f, ', '.join(args))


def forexpr(d):
    src = R.choice([coll(d + 1), 'local.objs', 'local.users', 'local.m', 'local.names'])
    body = R.choice(['x', 'k', 'length(x)', '"${k}"', 'x == "a"', 'upper(k)', 'x.name', 'x[0]'])
    cond = R.choice(['', '', ' if x != null', ' if k != "b"', ' if length(x) > 0', ' if x'])
    if R.random() < 0.5:
        return '[for k, x in %s : %s%s]' % (src, body, cond)
    key = R.choice(['"${k}"', 'k', 'x', '"k"', 'tostring(k)'])
    group = R.choice(['', '...'])
    return '{for k, x in %s : %s => %s%s%s}' % (src, key, body, group, cond)


def expr(d=0):
    if d > 3:
        return prim()
    c = R.random()
    if c < 0.2:
        return prim()
    if c < 0.45:
        return coll(d)
    if c < 0.75:
        return call(d)
    if c < 0.83:
        return forexpr(d)
    if c < 0.9:
        return '%s ? %s : %s' % (R.choice(['true', 'false', '"1"', 'local.u', expr(d + 1)]), expr(d + 1), expr(d + 1))
    if c < 0.95:
        return '%s %s %s' % (expr(d + 1), R.choice(['==', '!=', '+', '-', '*', '/', '%', '<', '&&', '||']), expr(d + 1))
    return '%s%s' % (coll(d + 1), R.choice(['[0]', '[1]', '["a"]', '.a', '[*]', '[*].name', '.*.a']))


CRASH_ONLY = '--crash-only' in sys.argv


def main():
    args = [a for a in sys.argv[1:] if not a.startswith('--')]
    n = int(args[0]) if args else 300
    R.seed(int(args[1]) if len(args) > 1 else 1)
    exprs = []
    while len(exprs) < n:
        e = expr()
        if '\n' not in e:
            exprs.append(e)
    with tempfile.TemporaryDirectory() as d:
        ein, eout, base = (os.path.join(d, x) for x in ('in.txt', 'out.txt', 'main.tf'))
        open(ein, 'w').write('\n'.join(exprs) + '\n')
        open(base, 'w').write(BASE)
        root = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..', '..'))
        env = dict(os.environ, KMSLINT_EXPRESSIONS=ein, KMSLINT_RESULTS=eout, KMSLINT_BASE=base)
        subprocess.run(['cargo', 'test', '-q', '--lib', 'evaluate_expressions_from_file', '--',
                        '--ignored'], cwd=root, env=env, check=True, capture_output=True)
        ours = open(eout).read().splitlines()
    if CRASH_ONLY:
        print(json.dumps({'evaluated': len(ours), 'of': len(exprs)}))
        return
    bad, unknown, same = [], 0, 0
    for e, o in zip(exprs, ours):
        t = run({'main.tf': BASE}, e)
        if o == t:
            same += 1
        elif o == '(known after apply)' or o == 'ParseError':
            unknown += 1
        elif '(known after apply)' in o:
            # Partly unknown: where Terraform fails, the unknown part is what fails; where it
            # knows more, kmslint is less precise (check the known parts by eye if in doubt).
            unknown += 1
        else:
            bad.append((e, o, t))
    # Known deviations: `&&` / `||` short-circuit in kmslint (see the README).
    print(json.dumps({'same': same, 'unknown_here': unknown, 'bad': len(bad)}))
    for e, o, t in bad:
        print('\n%s\n  kmslint:   %s\n  terraform: %s' % (e, o, t))


main()
