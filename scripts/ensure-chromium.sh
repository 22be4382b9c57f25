#!/usr/bin/env bash
# Headless Chromium for the report tests (tests/test_report.py renders the HTML report in it).
# Found on PATH: nothing to do. On Debian/Ubuntu as root or with password-less sudo: installs
# Debian's `chromium` package with apt-get. Otherwise: says exactly what to install, and fails.
set -euo pipefail
for b in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$b" >/dev/null 2>&1; then exit 0; fi
done

say() { printf '%s\n' "$@" >&2; }
if [ -r /etc/os-release ]; then . /etc/os-release; fi
like=" ${ID:-} ${ID_LIKE:-} "
if [[ "$like" == *" debian "* || "$like" == *" ubuntu "* ]] && command -v apt-get >/dev/null 2>&1; then
    # Debian ships `chromium`; Ubuntu only `chromium-browser` (a wrapper that installs the snap)
    PKG=chromium
    if [[ "${ID:-}" == ubuntu ]]; then PKG=chromium-browser; fi
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
            SUDO="sudo -n"
        else
            say "make test: the report tests need headless Chromium, which is not installed," \
                "and installing it needs root. Run:" \
                "" \
                "    sudo apt-get update && sudo apt-get install -y $PKG" \
                "" \
                "then run make test again."
            exit 1
        fi
    fi
    say "make test: installing Chromium (apt-get install $PKG) for the report tests"
    $SUDO apt-get update -qq
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$PKG" >/dev/null
    for b in chromium chromium-browser; do
        if command -v "$b" >/dev/null 2>&1; then exit 0; fi
    done
    say "make test: apt-get installed '$PKG' but no chromium binary is on PATH" \
        "(on Ubuntu the deb may be a snap stub: install Chromium or Google Chrome another way" \
        "so that 'chromium', 'chromium-browser' or 'google-chrome' is on PATH)."
    exit 1
fi
say "make test: the report tests need headless Chromium (or Google Chrome), which is not" \
    "on PATH. Install it with your system's package manager so that one of 'chromium'," \
    "'chromium-browser' or 'google-chrome' is on PATH, for example:" \
    "" \
    "    Fedora/RHEL/Rocky:  sudo dnf install chromium" \
    "    Arch:               sudo pacman -S chromium" \
    "    Alpine:             sudo apk add chromium" \
    "    macOS (Homebrew):   brew install --cask chromium" \
    "" \
    "then run make test again."
exit 1
