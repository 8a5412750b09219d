#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-flatpak.py MANIFEST [FLATPAK_BUILDER]: what can be checked of the Flatpak manifest
without a runtime (none can be downloaded here):

  1. it parses: G_DEBUG=fatal-warnings flatpak-builder --show-manifest (syntax and known keys);
  2. every local file or folder it names (dir, file, patch, script sources, module files) exists;
  3. every archive has a sha256 and, where the archive is in the cache folder
     ($NETLENS_FLATPAK_SOURCES, filled by flatpak/fetch-sources.sh from Debian's orig tarballs),
     the archive's sha256 matches; otherwise that part is skipped with a message;
  4. the app module keeps the policy out of /usr and builds the helper statically, and the
     finish-args hold what host capture needs (flatpak-spawn --host) and nothing broad.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

REQUIRED_APP_OPTS = ('-Dpolkit_policy=false', '-Dstatic_helper=true')
REQUIRED_FINISH = ('--talk-name=org.freedesktop.Flatpak',)
FORBIDDEN_FINISH = re.compile(r'^--(filesystem=(host|home)|socket=system-bus|socket=session-bus'
                              r'|device=all|talk-name=org\.freedesktop\.PolicyKit1)')
LOCAL_TYPES = ('dir', 'file', 'patch', 'script', 'shell')

failures = []
skips = []


def fail(msg):
    failures.append(msg)
    print('not ok - ' + msg)


def ok(msg):
    print('ok - ' + msg)


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def walk_modules(modules, base, cache):
    for m in modules:
        if isinstance(m, str):
            path = os.path.join(base, m)
            if not os.path.exists(path):
                fail('module file %s does not exist' % m)
                continue
            with open(path) as f:
                sub = json.load(f)
            walk_modules([sub], os.path.dirname(path), cache)
            continue
        name = m.get('name', '?')
        for s in m.get('sources', []):
            if isinstance(s, str):
                path = os.path.join(base, s)
                (ok if os.path.exists(path) else fail)('%s: source list %s exists' % (name, s))
                continue
            kind = s.get('type')
            if kind in LOCAL_TYPES and 'path' in s:
                path = os.path.normpath(os.path.join(base, s['path']))
                if os.path.exists(path):
                    ok('%s: %s source %s exists' % (name, kind, s['path']))
                else:
                    fail('%s: %s source %s does not exist (%s)' % (name, kind, s['path'], path))
            for key in ('paths',):
                for p in s.get(key, []):
                    path = os.path.join(base, p)
                    if not os.path.exists(path):
                        fail('%s: %s does not exist' % (name, p))
            if kind in ('archive', 'file') and 'url' in s:
                digest = s.get('sha256', '')
                if not re.fullmatch(r'[0-9a-f]{64}', digest):
                    fail('%s: archive %s has no valid sha256' % (name, s['url']))
                    continue
                if not s['url'].startswith('https://'):
                    fail('%s: archive %s is not fetched over https' % (name, s['url']))
                file = s.get('dest-filename') or os.path.basename(s['url'])
                cached = os.path.join(cache, file) if cache else ''
                if cached and os.path.isfile(cached):
                    actual = sha256(cached)
                    if actual == digest:
                        ok('%s: %s sha256 matches the release archive' % (name, file))
                    else:
                        fail('%s: %s sha256 is %s in the manifest, %s for the release archive'
                             % (name, file, digest, actual))
                else:
                    skips.append(file)
                    print('# skip: %s not in the cache folder %r (flatpak/fetch-sources.sh fills it)'
                          % (file, cache))
        if 'modules' in m:
            walk_modules(m['modules'], base, cache)


def main():
    if len(sys.argv) not in (2, 3):
        print(__doc__)
        return 2
    manifest = sys.argv[1]
    builder = sys.argv[2] if len(sys.argv) == 3 else ''
    base = os.path.dirname(os.path.abspath(manifest))
    cache = os.environ.get('NETLENS_FLATPAK_SOURCES', '/var/cache/netlens/flatpak-sources')

    if builder:
        env = dict(os.environ, G_DEBUG='fatal-warnings')
        p = subprocess.run([builder, '--show-manifest', manifest], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode == 0:
            ok('flatpak-builder --show-manifest parses it with fatal warnings')
        else:
            fail('flatpak-builder --show-manifest: rc %d\n%s' % (p.returncode, p.stdout[-2000:]))
    elif os.environ.get('CI') == 'true':
        fail('flatpak-builder is not installed (tools/install-deps.sh --test installs it)')
    else:
        print('# skip: flatpak-builder not installed, syntax not checked by it')

    try:
        with open(manifest) as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        fail('%s does not parse as JSON: %s' % (manifest, e))
        return 1

    app_id = data.get('id') or data.get('app-id')
    if app_id != 'io.github.netlens.Netlens':
        fail('app id is %r' % app_id)
    if data.get('command') != 'netlens':
        fail('command is %r, not netlens' % data.get('command'))
    finish = data.get('finish-args', [])
    for arg in REQUIRED_FINISH:
        (ok if arg in finish else fail)('finish-args has %s' % arg)
    for arg in finish:
        if FORBIDDEN_FINISH.match(arg):
            fail('finish-args has the broad permission %s' % arg)

    modules = data.get('modules', [])
    app = [m for m in modules if isinstance(m, dict) and m.get('name') == 'netlens']
    if not app:
        fail('no netlens module')
    else:
        opts = app[0].get('config-opts', [])
        for o in REQUIRED_APP_OPTS:
            (ok if o in opts else fail)('netlens module is configured with %s' % o)
    pcap = [m for m in modules if isinstance(m, dict) and m.get('name') == 'libpcap']
    if not pcap or '--disable-dbus' not in pcap[0].get('config-opts', []):
        fail('libpcap must be a module built with --disable-dbus (static helper, no -lsystemd)')

    walk_modules(modules, base, cache)

    print('%d failed, %d archives not in the cache' % (len(failures), len(skips)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
