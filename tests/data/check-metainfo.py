#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-metainfo.py METAINFO APP_ID SOURCE_ROOT: what appstreamcli --no-net cannot check.

The launchable names APP_ID.desktop; there is a description, a release and an OARS content
rating; and every screenshot URL points into the repository (raw.githubusercontent.com/netlens/
netlens/<branch>/PATH) at a PATH that exists in this tree and is a PNG."""
import os
import re
import sys
import xml.etree.ElementTree as ET

RAW = re.compile(r'^https://raw\.githubusercontent\.com/netlens/netlens/[^/]+/(.+)$')


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    path, app_id, root = sys.argv[1:]
    errors = []
    c = ET.parse(path).getroot()
    if c.findtext('id') != app_id:
        errors.append('id is %r, not %r' % (c.findtext('id'), app_id))
    launch = [l.text for l in c.findall('launchable') if l.get('type') == 'desktop-id']
    if launch != [app_id + '.desktop']:
        errors.append('launchable is %r, not %s.desktop' % (launch, app_id))
    if c.find('description') is None or not list(c.find('description')):
        errors.append('no description')
    if not c.findall('releases/release'):
        errors.append('no release')
    if c.find('content_rating') is None or not c.find('content_rating').get('type', '').startswith('oars'):
        errors.append('no OARS content rating')
    shots = c.findall('screenshots/screenshot/image')
    if not shots:
        errors.append('no screenshot')
    for img in shots:
        m = RAW.match(img.text or '')
        if not m:
            errors.append('screenshot %r is not a raw URL of the repository' % img.text)
            continue
        local = os.path.join(root, m.group(1))
        if not os.path.isfile(local):
            errors.append('screenshot %s does not exist in the tree' % m.group(1))
            continue
        with open(local, 'rb') as f:
            if f.read(8) != b'\x89PNG\r\n\x1a\n':
                errors.append('screenshot %s is not a PNG' % m.group(1))
                continue
        print('ok - screenshot %s' % m.group(1))
    for e in errors:
        print('not ok - ' + e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
