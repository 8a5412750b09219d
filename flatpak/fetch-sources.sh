#!/usr/bin/env bash
# fetch-sources.sh CACHE_DIR: put the release archives the Flatpak manifest names into CACHE_DIR,
# so tests/data/check-flatpak.py can compare their sha256 with the manifest.
#
# No download site but the Debian mirror is reachable from CI, so the archives come from Debian's
# source packages: an orig tarball is the upstream release archive (apt checks it against the
# signed Sources index).  deb-src lines are added in a private apt configuration, never in
# /etc/apt.  Each module of the manifest with an archive source maps to the Debian source package
# of the same name (or the one in debian_source below); the file is stored under the
# archive's dest-filename (or URL basename).
set -euo pipefail

cache=${1:?usage: fetch-sources.sh CACHE_DIR}
here=$(cd "$(dirname "$0")" && pwd)
manifest=$here/io.github.netlens.Netlens.json
python=/usr/bin/python3
[ -x $python ] || python=python3

mkdir -p "$cache"
work=$(mktemp -d /tmp/netlens-flatpak-src.XXXXXX)
trap 'rm -rf "$work"' EXIT

# module name, stored file name, version (from the file name)
mapfile -t wanted < <($python - "$manifest" <<'PY'
import json, os, re, sys
for m in json.load(open(sys.argv[1]))['modules']:
    if not isinstance(m, dict):
        continue
    for s in m.get('sources', []):
        if isinstance(s, dict) and s.get('type') == 'archive':
            name = s.get('dest-filename') or os.path.basename(s['url'])
            v = re.search(r'(\d+(?:\.\d+)+)', name)
            print(m['name'], name, v.group(1) if v else '')
PY
)

# manifest module -> Debian source package, where the names differ
declare -A debian_source=([libcap]=libcap2)

todo=()
for line in "${wanted[@]}"; do
  read -r pkg file version <<<"$line"
  [ -s "$cache/$file" ] || todo+=("$line")
done
if [ ${#todo[@]} -eq 0 ]; then
  echo "fetch-sources: all ${#wanted[@]} archives already in $cache"
  exit 0
fi

cat >"$work/sources.list" <<'LIST'
deb-src http://deb.debian.org/debian bookworm main
deb-src http://deb.debian.org/debian bookworm-updates main
deb-src http://deb.debian.org/debian-security bookworm-security main
LIST
mkdir -p "$work/lists/partial" "$work/dl"
apt_opts=(-q -o Dir::Etc::SourceList="$work/sources.list" -o Dir::Etc::SourceParts=/dev/null
          -o Dir::State::Lists="$work/lists" -o APT::Get::List-Cleanup=0
          -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update </dev/null >"$work/update.log" 2>&1 \
  || { cat "$work/update.log" >&2; echo "fetch-sources: apt-get update failed" >&2; exit 1; }

status=0
for line in "${todo[@]}"; do
  read -r pkg file version <<<"$line"
  pkg=${debian_source[$pkg]:-$pkg}
  (cd "$work/dl" && apt-get "${apt_opts[@]}" source --download-only "$pkg" </dev/null \
     >>"$work/source.log" 2>&1) || { echo "fetch-sources: no source package $pkg" >&2; status=1; continue; }
  orig=$(ls "$work/dl/${pkg}_${version}".orig.tar.* 2>/dev/null | grep -v '\.asc$' | head -1 || true)
  if [ -z "$orig" ]; then
    echo "fetch-sources: Debian has no ${pkg}_${version}.orig tarball (found: $(cd "$work/dl" && ls ${pkg}_*.orig.tar.* 2>/dev/null | tr '\n' ' '))" >&2
    status=1
    continue
  fi
  cp "$orig" "$cache/$file"
  echo "fetch-sources: $file <- $(basename "$orig")"
done
exit $status
