#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""check-policy.py POLICY HELPER_PATH: the built polkit policy declares the capture action with
auth_admin_keep and an exec.path annotation equal to the helper's configured install path."""
import sys
import xml.etree.ElementTree as ET

ACTION = 'io.github.netlens.Netlens.capture'
EXEC_PATH = 'org.freedesktop.policykit.exec.path'


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    policy, helper_path = sys.argv[1], sys.argv[2]
    errors = []
    try:
        root = ET.parse(policy).getroot()
    except (OSError, ET.ParseError) as e:
        print('not ok - %s does not parse: %s' % (policy, e))
        return 1
    if root.tag != 'policyconfig':
        errors.append('root element is <%s>, not <policyconfig>' % root.tag)
    actions = {a.get('id'): a for a in root.findall('action')}
    action = actions.get(ACTION)
    if action is None:
        errors.append('no action %s (found: %s)' % (ACTION, ', '.join(actions) or 'none'))
    else:
        for tag in ('description', 'message'):
            if not (action.findtext(tag) or '').strip():
                errors.append('action has no <%s>' % tag)
        active = (action.findtext('defaults/allow_active') or '').strip()
        if active != 'auth_admin_keep':
            errors.append('defaults/allow_active is %r, not auth_admin_keep' % active)
        paths = [a.text for a in action.findall('annotate') if a.get('key') == EXEC_PATH]
        if len(paths) != 1:
            errors.append('expected one %s annotation, found %d' % (EXEC_PATH, len(paths)))
        elif (paths[0] or '').strip() != helper_path:
            errors.append('exec.path is %r, the helper is installed at %r'
                          % (paths[0], helper_path))
        elif not helper_path.startswith('/'):
            errors.append('exec.path %r is not absolute' % helper_path)
    for e in errors:
        print('not ok - ' + e)
    if errors:
        return 1
    print('ok - %s: action %s, auth_admin_keep, exec.path %s' % (policy, ACTION, helper_path))
    return 0


if __name__ == '__main__':
    sys.exit(main())
