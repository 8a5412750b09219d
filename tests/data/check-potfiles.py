#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-potfiles.py SOURCE_ROOT: every file with translatable strings is in po/POTFILES.in,
and every file POTFILES.in names exists.

Translatable means: C calls _("…"), N_("…"), C_("…", NC_("…", ngettext (…; GtkBuilder
translatable="yes"; intltool-style <_tag>; and, by their type, desktop files, metainfo,
GSettings schemas and polkit policies.  Searched: src/, helper/, data/ (tests, fuzz and tools
are not user-visible)."""
import os
import re
import sys

SEARCHED = ('src', 'helper', 'data')
SKIP_DIRS = {'icons', 'screenshots'}
CODE_EXT = ('.c', '.h', '.ui', '.xml', '.in', '.blp', '.js', '.py')
BY_TYPE = ('.desktop.in', '.metainfo.xml.in', '.appdata.xml.in', '.gschema.xml', '.policy.in')
PATTERNS = re.compile(r'(?<![A-Za-z0-9_])(?:N|C|NC)?_\s*\(\s*"'
                      r'|(?<![A-Za-z0-9_])g?_?d?n?gettext\s*\('
                      r'|translatable\s*=\s*"(?:yes|true)"'
                      r'|<_[A-Za-z]')


def translatable(path):
    if path.endswith(BY_TYPE):
        return True
    if not path.endswith(CODE_EXT):
        return False
    try:
        with open(path, encoding='utf-8', errors='replace') as f:
            return PATTERNS.search(f.read()) is not None
    except OSError:
        return False


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    root = sys.argv[1]
    potfiles = os.path.join(root, 'po', 'POTFILES.in')
    listed = set()
    try:
        with open(potfiles, encoding='utf-8') as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith('#'):
                    listed.add(line)
    except OSError as e:
        print('not ok - cannot read %s: %s' % (potfiles, e))
        return 1

    found = set()
    for top in SEARCHED:
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, top)):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                path = os.path.join(dirpath, name)
                if translatable(path):
                    found.add(os.path.relpath(path, root))

    missing = sorted(found - listed)
    vanished = sorted(p for p in listed if not os.path.exists(os.path.join(root, p)))
    for p in missing:
        print('not ok - %s has translatable strings but is not in po/POTFILES.in' % p)
    for p in vanished:
        print('not ok - po/POTFILES.in names %s, which does not exist' % p)
    print('%d files with translatable strings, %d listed, %d missing, %d stale'
          % (len(found), len(listed), len(missing), len(vanished)))
    if not found:
        print('not ok - no translatable file found under %s: wrong source root?' % root)
        return 1
    return 1 if missing or vanished else 0


if __name__ == '__main__':
    sys.exit(main())
