#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# tools/run.sh [NETLENS ARGS...]: on Debian 12, as root: install what is missing, build,
# `meson install` (prefix /usr/local; the polkit policy goes to /usr/share/polkit-1/actions),
# and start netlens with the given arguments.
#
# Without a display (no DISPLAY or WAYLAND_DISPLAY) the window cannot open: with arguments it
# runs them headless (e.g. tools/run.sh --read FILE --export json); without, it says so.
# Environment: NETLENS_BUILD_DIR (default _build-run), NETLENS_PREFIX (default /usr/local).
set -euo pipefail

src=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$src"
builddir=${NETLENS_BUILD_DIR:-_build-run}
prefix=${NETLENS_PREFIX:-/usr/local}

if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: run me as root (it installs packages and installs Netlens into $prefix)" >&2
  exit 1
fi

# Everything but netlens itself writes to standard error, so that an export to standard
# output (tools/run.sh --read F --export json > out.json) stays clean.
{
  bash tools/install-deps.sh </dev/null
  if [ -f "$builddir/build.ninja" ]; then
    meson setup --reconfigure "$builddir" --prefix="$prefix" -Dbuildtype=release -Dtests=false
  else
    meson setup "$builddir" --prefix="$prefix" -Dbuildtype=release -Dtests=false
  fi
  meson compile -C "$builddir"
  meson install -C "$builddir" --no-rebuild
} >&2

netlens=$prefix/bin/netlens
echo "run.sh: installed $netlens, the helper in $prefix/libexec and the desktop entry" >&2

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  if [ $# -eq 0 ]; then
    echo "run.sh: no display here, so the window cannot open.  Start Netlens from your desktop's" >&2
    echo "        menu, or run it headless, for example:" >&2
    echo "          tools/run.sh --read capture.pcapng --export json" >&2
    "$netlens" --version
    exit 0
  fi
  exec "$netlens" "$@"
fi

# The window wants a session bus; root shells often have none.
if [ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ] && command -v dbus-run-session >/dev/null; then
  exec dbus-run-session -- "$netlens" "$@"
fi
exec "$netlens" "$@"
