# shellcheck shell=bash
# Shared by scripts/run.sh, scripts/test.sh and .ci/run; sourced, not run.
# Expects the caller to have cd'ed to the project root and set -euo pipefail.

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# apt-get install, running `apt-get update` once per script first.
_APT_UPDATED=
apt_install() {
    local log
    log=$(mktemp)
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$_APT_UPDATED" ]; then
        say "apt-get update"
        if ! apt-get update -qq >"$log" 2>&1; then
            cat "$log" >&2; rm -f "$log"; return 1
        fi
        _APT_UPDATED=1
    fi
    say "apt-get install -y $*"
    if ! apt-get install -y -qq "$@" >"$log" 2>&1; then
        tail -n 30 "$log" >&2; rm -f "$log"; return 1
    fi
    rm -f "$log"
}

# Install the Debian packages given that are missing: as root with apt-get,
# otherwise print the one command to run and exit 1.
ensure_debian_packages() {
    local missing=() pkg
    if ! command -v dpkg-query >/dev/null 2>&1; then
        warn "not a Debian/Ubuntu system; make sure these are installed: $*"
        return 0
    fi
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$pkg")
    done
    [ "${#missing[@]}" -eq 0 ] && return 0
    if is_root && command -v apt-get >/dev/null 2>&1; then
        apt_install "${missing[@]}" || die "could not install: ${missing[*]}"
    else
        printf 'Missing Debian packages: %s\nRun this once, then try again:\n\n    sudo apt-get install -y %s\n\n' \
            "${missing[*]}" "${missing[*]}" >&2
        exit 1
    fi
}

_py_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1; }

find_python() {
    local cand
    for cand in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$cand" ] && command -v "$cand" >/dev/null 2>&1 && _py_ok "$cand" \
            && { printf '%s\n' "$cand"; return 0; }
    done
    return 1
}

# Create .venv if it is missing or broken. If `python3 -m venv` is unavailable
# (Debian's python3-venv not installed): install it as root, else say how.
ensure_venv() {
    local py ver out
    if [ -x .venv/bin/python ] && _py_ok .venv/bin/python; then
        return 0
    fi
    if [ -e .venv ]; then
        warn ".venv is broken or too old; recreating it"
        rm -rf .venv
    fi
    py=$(find_python) || die "Python 3.11 or newer is needed (or set PYTHON=/path/to/python3.11)"
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
    say "creating .venv with $py (Python $ver)"
    if out=$("$py" -m venv .venv 2>&1); then
        return 0
    fi
    rm -rf .venv
    if is_root && command -v apt-get >/dev/null 2>&1; then
        apt_install "python${ver}-venv" || apt_install python3-venv \
            || die "could not install python3-venv"
        "$py" -m venv .venv || { rm -rf .venv; die "python -m venv still fails"; }
    else
        printf '%s\n\n`%s -m venv` is unavailable. Run this once, then try again:\n\n    sudo apt-get install -y python3-venv python%s-venv\n\n' \
            "$out" "$py" "$ver" >&2
        exit 1
    fi
}

# pip install -r FILE into .venv, skipped when FILE and requirements.txt are
# unchanged since the last successful install (sha256 in a stamp file).
pip_sync() {
    local req=$1 stamp sum
    stamp=".venv/.installed-$(basename "$req").sha256"
    sum=$(cat requirements.txt "$req" | sha256sum | cut -d' ' -f1)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$sum" ]; then
        say "$req unchanged since last install"
        return 0
    fi
    say "pip install -r $req"
    .venv/bin/python -m pip install --quiet --quiet --disable-pip-version-check -r "$req"
    printf '%s\n' "$sum" >"$stamp"
}
