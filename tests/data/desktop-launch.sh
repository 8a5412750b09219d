#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# desktop-launch.sh MESON BUILD_ROOT PREFIX APP_ID [LANGUAGE]
#
# Installs the build (meson install --destdir), makes that tree appear at its real PREFIX in a
# private mount namespace (an overlay over PREFIX: nothing on the machine changes), launches the
# installed desktop file with `gio launch` under the running X display and a private session bus,
# asserts that the window appears (xdotool search --sync), and leaves a screenshot in
# BUILD_ROOT/meson-logs/.  With LANGUAGE (e.g. de) the app runs in that language.
# Exit 77 (skip) without a display or root, except under CI=true where that is a failure.
set -uo pipefail

meson=$1 build=$2 prefix=$3 app_id=$4 lang=${5:-}
skip () {
  if [ "${CI:-}" = true ]; then echo "not ok - $* (required under CI=true)"; exit 1; fi
  echo "skip: $*"; exit 77
}

if [ "${1:-}" = --inner ]; then
  # ---- inside the private mount namespace ---------------------------------------------------
  shift
  tmp=$1 prefix=$2 app_id=$3 lang=$4 shot=$5
  # read-only overlay: the installed tree over whatever PREFIX already holds
  mount -t overlay overlay -o "lowerdir=$tmp$prefix:$prefix" "$prefix" || { echo "not ok - overlay mount failed"; exit 1; }
  desktop=$prefix/share/applications/$app_id.desktop
  [ -f "$desktop" ] || { echo "not ok - $desktop was not installed"; exit 1; }
  echo "# desktop file: $desktop"
  grep -E '^(Name|Exec|Icon)=' "$desktop" | sed 's/^/#   /'
  if [ -n "$lang" ]; then
    # the installed catalogue is used: --help differs from the untranslated one
    english=$(LANGUAGE=C LC_ALL=C.UTF-8 "$prefix/bin/netlens" --help 2>&1)
    translated=$(LANGUAGE=$lang LC_ALL=C.UTF-8 "$prefix/bin/netlens" --help 2>&1)
    if [ "$english" = "$translated" ]; then
      echo "not ok - netlens --help is not translated with LANGUAGE=$lang"; exit 1
    fi
    echo "ok - netlens --help is translated with LANGUAGE=$lang: $(printf '%s\n' "$translated" | grep -m1 -- '--refresh-interval')"
    export LANGUAGE=$lang LANG=C.UTF-8 LC_ALL=C.UTF-8
  fi
  export GSK_RENDERER=cairo GTK_A11Y=none NO_AT_BRIDGE=1
  gio launch "$desktop" >"$tmp/launch.log" 2>&1
  rc=$?
  if [ $rc -ne 0 ]; then echo "not ok - gio launch failed ($rc)"; cat "$tmp/launch.log"; exit 1; fi
  wid=$(timeout 30 xdotool search --sync --onlyvisible --name '^Netlens$' 2>/dev/null | head -n 1)
  if [ -z "$wid" ]; then
    echo "not ok - no window named Netlens appeared within 30 s"
    import -window root "$shot" 2>/dev/null && echo "# screenshot of the screen: $shot"
    cat "$tmp/launch.log"
    exit 1
  fi
  pid=$(xdotool getwindowpid "$wid" 2>/dev/null || true)
  echo "ok - window $wid appeared (pid ${pid:-?}, $(xdotool getwindowgeometry "$wid" | tr '\n' ' '))"
  sleep 2    # let it draw its first frames
  import -window root "$shot" && echo "# screenshot: $shot"
  # the process gio launched, whose executable is the installed netlens
  if [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = netlens ]; then
    exe=$(readlink "/proc/$pid/exe")
    echo "# running executable: $exe"
    kill "$pid"
    case "$exe" in
      "$prefix"/bin/netlens) echo "ok - it is the installed binary" ;;
      *) echo "not ok - the window belongs to $exe, not $prefix/bin/netlens"; exit 1 ;;
    esac
  fi
  exit 0
fi

[ -n "${DISPLAY:-}" ] && xdpyinfo >/dev/null 2>&1 || skip "no X display"
[ "$(id -u)" -eq 0 ] || skip "needs root for a private mount namespace"
for tool in unshare xdotool import gio dbus-run-session; do
  command -v "$tool" >/dev/null || skip "$tool is not installed"
done

tmp=$(mktemp -d /tmp/netlens-launch.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
if ! "$meson" install -C "$build" --no-rebuild --destdir "$tmp" >"$tmp/install.log" 2>&1; then
  echo "not ok - meson install failed"; cat "$tmp/install.log"; exit 1
fi
echo "ok - meson install --destdir $tmp"
# what meson's post-install does for a real install (skipped with --destdir)
glib-compile-schemas "$tmp$prefix/share/glib-2.0/schemas" || { echo "not ok - schemas do not compile"; exit 1; }
shot=$build/meson-logs/desktop-launch${lang:+-$lang}.png
rm -f "$shot"
unshare -m --propagation private \
  dbus-run-session -- bash "$0" --inner "$tmp" "$prefix" "$app_id" "$lang" "$shot"
