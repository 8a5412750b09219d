#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-e2e-atspi.py NETLENS: drives the real running application from outside through
# AT-SPI (dogtail): opens a corpus capture, types a query into the filter bar with
# real key events and checks the rows and the "N of M" count against the headless
# export of the same file.  Exit 77 = skipped (no display or no session bus, outside CI).
#
# Run it with /usr/bin/python3: Debian's dogtail is not in pyenv's python (NOTES.md 4b).

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

CAPTURE = 'ndpi-KakaoTalk_chat.pcap'
SKIP = 77


def skip(reason):
    if os.environ.get('CI') == 'true':
        print('FAIL (CI=true): ' + reason)
        sys.exit(1)
    print('SKIP: ' + reason)
    sys.exit(SKIP)


def export_rows(netlens, capture):
    out = subprocess.run([netlens, '--read', capture, '--export', 'jsonl'],
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return [r for r in rows if 'protocol' in r]


def wait_for(predicate, timeout=15.0, step=0.2):
    end = time.time() + timeout
    while time.time() < end:
        try:
            value = predicate()
            if value:
                return value
        except Exception:  # the tree changes under us while the app updates
            pass
        time.sleep(step)
    return None


def main():
    if len(sys.argv) < 2:
        print('usage: test-e2e-atspi.py NETLENS')
        return 2
    netlens = sys.argv[1]
    if not os.environ.get('DISPLAY'):
        skip('no display')
    if not os.environ.get('DBUS_SESSION_BUS_ADDRESS'):
        skip('no session bus (run under dbus-run-session)')
    capture = os.path.join(os.environ.get('NETLENS_CORPUS', ''), 'captures', CAPTURE)
    if not os.path.exists(capture):
        skip('no corpus capture ' + capture)

    rows = export_rows(netlens, capture)
    total = len(rows)
    n_udp = sum(1 for r in rows if r['protocol'] == 'udp')
    assert 0 < n_udp < total, (n_udp, total)

    # dogtail refuses to run unless toolkit-accessibility is on; a keyfile backend in a
    # private folder makes the setting visible to this process and to the application
    config_home = tempfile.mkdtemp(prefix='netlens-e2e-')
    os.environ['XDG_CONFIG_HOME'] = config_home
    os.environ['GSETTINGS_BACKEND'] = 'keyfile'
    os.environ.pop('GTK_A11Y', None)
    subprocess.run(['gsettings', 'set', 'org.gnome.desktop.interface',
                    'toolkit-accessibility', 'true'], check=True)

    app_proc = subprocess.Popen([netlens, '--read', capture],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        try:
            from dogtail import tree
            from dogtail.config import config
        except ImportError:
            skip('dogtail is not installed')
        config.searchCutoffCount = 5
        config.defaultDelay = 0.2
        config.logDebugToFile = False

        app = wait_for(lambda: tree.root.application('netlens'), timeout=20)
        assert app is not None, 'the application did not appear on the accessibility bus'

        def count_label():
            for label in app.findChildren(lambda n: n.roleName == 'label'):
                if re.fullmatch(r'\d+ of \d+', label.name or ''):
                    return label
            return None

        label = wait_for(lambda: count_label() and count_label().name == '%d of %d' % (total, total))
        assert label, 'the count never showed %d of %d (saw %r)' % (
            total, total, count_label().name if count_label() else None)

        # open the filter bar with its header button, then type for real (XTest)
        button = app.child(name='Filter Connections')
        button.doActionNamed('click')
        entry = wait_for(lambda: app.child(name='Filter query'))
        assert entry is not None, 'no filter entry'
        # real key events through XTest (dogtail's own typing goes through the
        # AT-SPI registry, which does not reach GTK 4 windows here)
        time.sleep(0.5)
        if shutil.which('xdotool'):
            subprocess.run(['xdotool', 'type', '--delay', '40', 'proto:udp'], check=True)
        else:
            entry.typeText('proto:udp')

        expected = '%d of %d' % (n_udp, total)
        assert wait_for(lambda: count_label().name == expected), \
            'count is %r, expected %r' % (count_label().name, expected)

        # the protocol cells that are shown say udp, never tcp
        def protocol_cells():
            return [n.name for n in app.findChildren(
                lambda n: n.roleName in ('label', 'table cell') and n.name in ('udp', 'tcp', 'icmp'))]
        cells = wait_for(lambda: protocol_cells() or None)
        assert cells, 'no protocol cells exposed'
        assert set(cells) == {'udp'}, cells
        print('ok: %s after typing proto:udp, %d udp cells shown' % (expected, len(cells)))
        return 0
    finally:
        app_proc.terminate()
        try:
            app_proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            app_proc.kill()
        shutil.rmtree(config_home, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
