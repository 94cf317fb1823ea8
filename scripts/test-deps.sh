#!/usr/bin/env bash
# Installs what the end-to-end tests need, and nothing when it is all there already:
#   1. system packages (Debian, as root): redis-server redis-sentinel haproxy libhiredis-dev pkg-config openssl, and
#      docker-compose when the archive has it (only used for a `docker-compose config -q` check);
#   2. a Python virtualenv at <repo>/.venv with the pinned packages of Tests/e2e/requirements.txt.
# `apt-get update` runs at most once, and only when a package is missing; pip runs only when the
# requirements changed since the last successful install (hash kept in .venv/.e2e-requirements.sha256).
# Environment: PYTHON (interpreter that creates the venv, default python3).
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
requirements="$repo_root/Tests/e2e/requirements.txt"
venv="$repo_root/.venv"
stamp="$venv/.e2e-requirements.sha256"
python="${PYTHON:-python3}"

required_packages=(redis-server redis-sentinel haproxy libhiredis-dev pkg-config openssl)
optional_packages=(docker-compose)

log() { printf 'test-deps: %s\n' "$*" >&2; }

package_installed() {
    local status
    status="$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" || return 1
    [[ "$status" == *" installed" ]]
}

python_can_make_venvs() {
    command -v "$python" >/dev/null 2>&1 && "$python" -c 'import venv, ensurepip' >/dev/null 2>&1
}

# A candidate version in the (already updated) package lists, or nothing.
package_candidate() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

policy_rc_d=/usr/sbin/policy-rc.d
created_policy_rc_d=false
cleanup() {
    if [ "$created_policy_rc_d" = true ]; then rm -f "$policy_rc_d"; fi
}
trap cleanup EXIT

install_system_packages() {
    if ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
        log "no apt-get/dpkg here: install ${required_packages[*]} ${optional_packages[*]} yourself"
        return 0
    fi

    local missing=() optional_missing=() p
    for p in "${required_packages[@]}"; do
        package_installed "$p" || missing+=("$p")
    done
    for p in "${optional_packages[@]}"; do
        if ! package_installed "$p" && ! command -v "$p" >/dev/null 2>&1; then
            optional_missing+=("$p")
        fi
    done
    if ! python_can_make_venvs && [ -z "${PYTHON:-}" ]; then
        missing+=(python3 python3-venv)
    fi

    if [ "${#missing[@]}" -eq 0 ] && [ "${#optional_missing[@]}" -eq 0 ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        log "WARNING: not root, cannot install: ${missing[*]} ${optional_missing[*]}"
        return 0
    fi

    log "apt-get update (missing: ${missing[*]} ${optional_missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq

    for p in "${optional_missing[@]}"; do
        if [ -n "$(package_candidate "$p")" ]; then
            missing+=("$p")
        else
            log "$p is not in the package archive: skipped (only the docker-compose config check needs it)"
        fi
    done
    if [ "${#missing[@]}" -eq 0 ]; then
        return 0
    fi

    # In a container without systemd, keep package scripts from starting daemons (redis-server,
    # haproxy) on their default ports; the tests start their own on free ports.
    if [ ! -d /run/systemd/system ] && [ ! -e "$policy_rc_d" ]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy_rc_d"
        chmod 755 "$policy_rc_d"
        created_policy_rc_d=true
    fi

    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

setup_venv() {
    if [ ! -f "$requirements" ]; then
        log "missing $requirements"
        exit 1
    fi
    if ! { [ -x "$venv/bin/python" ] && "$venv/bin/python" -c 'import sys' >/dev/null 2>&1; }; then
        if ! python_can_make_venvs; then
            log "$python cannot create virtualenvs (on Debian: apt-get install python3-venv)"
            exit 1
        fi
        log "creating virtualenv $venv"
        "$python" -m venv --clear "$venv"
    fi

    local want
    want="$(sha256sum "$requirements" | cut -d' ' -f1)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi

    if ! "$venv/bin/python" -m pip --version >/dev/null 2>&1; then
        "$venv/bin/python" -m ensurepip --upgrade >/dev/null
    fi
    log "pip install -r ${requirements#"$repo_root"/}"
    rm -f "$stamp"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$venv/bin/python" -m pip install -q -r "$requirements"
    printf '%s\n' "$want" >"$stamp"
}

install_system_packages
setup_venv
log "ready: run the suite with .venv/bin/python -m pytest Tests/e2e -q"
