# Shared helpers of the benchmark scripts (sourced by bench/corpus.sh and bench/suite.sh).
# shellcheck shell=bash

# Installs the Debian packages named (hyperfine, ripgrep, time, python3-venv ...) that are
# missing: with apt-get when root, otherwise prints the command and returns 2.
# Usage: ensure_debian PACKAGE:PROBE ... where PROBE is a command name or an absolute path.
ensure_debian() {
    local missing=() spec pkg probe
    for spec in "$@"; do
        pkg="${spec%%:*}"
        probe="${spec#*:}"
        if [[ "$probe" == /* ]]; then
            [[ -x "$probe" ]] || missing+=("$pkg")
        elif [[ "$probe" == py:* ]]; then
            python3 -c "import ${probe#py:}" >/dev/null 2>&1 || missing+=("$pkg")
        else
            command -v "$probe" >/dev/null 2>&1 || missing+=("$pkg")
        fi
    done
    ((${#missing[@]})) || return 0
    if [[ "$(id -u)" -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${missing[*]} (apt-get) ..." >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null ||
            { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
    else
        echo "missing: ${missing[*]}. Install them with: sudo apt-get install -y ${missing[*]}" >&2
        return 2
    fi
}

# hyperfine -N splits commands like a shell would; quote paths that need it.
quote() {
    if [[ "$1" =~ ^[A-Za-z0-9_./+-]+$ ]]; then
        printf '%s' "$1"
    else
        printf "'%s'" "${1//\'/\'\\\'\'}"
    fi
}
