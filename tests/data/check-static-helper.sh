#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# check-static-helper.sh SOURCE_ROOT BUILD_ROOT
#
# The Flatpak's helper, built outside Flatpak: libpcap from its release archive with the
# manifest's own config-opts, then netlens-capture with the manifest's meson options
# (-Dstatic_helper=true ...) against it.  The helper must be a static executable and must run:
# as root it opens a capture on lo and stops at the end of its standard input.
# The archive comes from $NETLENS_FLATPAK_SOURCES (flatpak/fetch-sources.sh); without it the test
# skips (77).  Results are kept in BUILD_ROOT/flatpak-static/ between runs.
set -uo pipefail

src=$1 build=$2
manifest=$src/flatpak/io.github.netlens.Netlens.json
cache=${NETLENS_FLATPAK_SOURCES:-/var/cache/netlens/flatpak-sources}
python=/usr/bin/python3
work=$build/flatpak-static
mkdir -p "$work"

# libpcap's archive name and config-opts, and the app's config-opts, from the manifest
eval "$($python - "$manifest" <<'PY'
import json, os, shlex, sys
mods = {m['name']: m for m in json.load(open(sys.argv[1]))['modules'] if isinstance(m, dict)}
pcap = mods['libpcap']
s = [s for s in pcap['sources'] if s.get('type') == 'archive'][0]
print('pcap_archive=%s' % shlex.quote(s.get('dest-filename') or os.path.basename(s['url'])))
print('pcap_sha=%s' % shlex.quote(s['sha256']))
print('pcap_opts=(%s)' % ' '.join(shlex.quote(o) for o in pcap.get('config-opts', [])))
print('app_opts=(%s)' % ' '.join(shlex.quote(o) for o in mods['netlens'].get('config-opts', [])))
PY
)" || { echo "not ok - cannot read $manifest"; exit 1; }

archive=$cache/$pcap_archive
if [ ! -f "$archive" ]; then
  echo "skip: $archive is not in the cache (flatpak/fetch-sources.sh $cache fills it)"
  exit 77
fi
echo "$pcap_sha  $archive" | sha256sum -c --quiet || { echo "not ok - $archive does not match the manifest"; exit 1; }

# ---- libpcap, as the manifest builds it ------------------------------------------------------
stamp="$pcap_sha ${pcap_opts[*]}"
prefix=$work/pcap-prefix
if [ "$(cat "$work/pcap.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$work/pcap-src" "$prefix"
  mkdir -p "$work/pcap-src"
  tar -xf "$archive" -C "$work/pcap-src" --strip-components=1 || { echo "not ok - cannot unpack"; exit 1; }
  echo "# libpcap: ./configure --prefix=$prefix ${pcap_opts[*]}"
  if ! ( cd "$work/pcap-src" && ./configure --prefix="$prefix" "${pcap_opts[@]}" \
           && make -j2 && make install ) >"$work/pcap-build.log" 2>&1; then
    tail -n 40 "$work/pcap-build.log"
    echo "not ok - libpcap does not build with the manifest's config-opts"
    exit 1
  fi
  echo "$stamp" >"$work/pcap.stamp"
fi
static_libs=$(PKG_CONFIG_PATH=$prefix/lib/pkgconfig pkg-config --static --libs libpcap)
echo "# pkg-config --static --libs libpcap: $static_libs"
case " $static_libs " in
  *-ldbus-1*|*-lsystemd*) echo "not ok - the libpcap build still pulls in D-Bus or systemd"; exit 1 ;;
esac
echo "ok - libpcap built without D-Bus and systemd"

# ---- the helper, with the manifest's meson options -------------------------------------------
app=$work/app
echo "# meson setup ${app_opts[*]}"
export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
if [ -f "$app/build.ninja" ]; then
  meson setup --reconfigure "$app" "$src" "${app_opts[@]}" >"$work/app-setup.log" 2>&1
else
  meson setup "$app" "$src" "${app_opts[@]}" >"$work/app-setup.log" 2>&1
fi || { tail -n 30 "$work/app-setup.log"; echo "not ok - meson setup with the manifest's options failed"; exit 1; }
if ! ninja -C "$app" -j2 helper/netlens-capture >"$work/app-build.log" 2>&1; then
  grep -E -A5 'error|FAILED' "$work/app-build.log" | head -n 40
  echo "not ok - the static helper does not build"
  exit 1
fi
helper=$app/helper/netlens-capture
if readelf -d "$helper" 2>/dev/null | grep -q NEEDED || readelf -l "$helper" | grep -q INTERP; then
  readelf -d "$helper" | grep NEEDED
  echo "not ok - $helper is dynamically linked"
  exit 1
fi
echo "ok - $helper is a static executable ($(stat -c %s "$helper") bytes)"

# ---- and it runs ------------------------------------------------------------------------------
out=$work/helper-run.out
timeout 20 "$helper" --bogus-option </dev/null >/dev/null 2>"$work/helper-refuse.err"
rc=$?
if [ $rc -eq 0 ] || [ $rc -ge 124 ] || ! [ -s "$work/helper-refuse.err" ]; then
  echo "not ok - an unknown option gave rc $rc and no message"; exit 1
fi
echo "ok - an unknown option is refused (rc $rc): $(head -n 1 "$work/helper-refuse.err")"
if [ "$(id -u)" -ne 0 ]; then
  echo "# not root: the capture run is left out"
  exit 0
fi
timeout 20 "$helper" --interface lo --attribution none </dev/null >"$out" 2>"$work/helper-run.err"
rc=$?
if [ $rc -ne 0 ] || ! [ -s "$out" ]; then
  cat "$work/helper-run.err"
  echo "not ok - the static helper did not capture on lo and stop at end of input (rc $rc, $(stat -c %s "$out") bytes out)"
  exit 1
fi
echo "ok - the static helper opened lo, wrote $(stat -c %s "$out") bytes of frames and stopped at end of input"
