#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""testlog-summary.py [--failed-step TEXT]... BUILD_DIR...

Counts the results in every BUILD_DIR/meson-logs/testlog.json and prints, as its last line,
"N passed, N failed, N skipped".  A test whose output is TAP (a "1..N" plan) counts its subtests;
any other test counts once.  Exit status 1 when anything failed, a folder has no test log, or no
test ran at all; 0 otherwise.  Each --failed-step (a build step that failed before its tests
could run) counts as one failure.
"""
import json
import os
import re
import sys

PLAN = re.compile(r'^\s*1\.\.(\d+)', re.M)
TAP_LINE = re.compile(r'^\s*(not ok|ok)\b([^\n#]*)(#\s*(\w+)[^\n]*)?$', re.M)
PASS = {'OK', 'EXPECTEDFAIL'}
SKIP = {'SKIP'}
FAIL = {'FAIL', 'TIMEOUT', 'ERROR', 'UNEXPECTEDPASS', 'INTERRUPT'}


def count_test(entry):
    """Return (passed, failed, skipped, failed_names) for one testlog.json entry."""
    result = entry.get('result', 'ERROR')
    name = entry.get('name', '?')
    out = entry.get('stdout') or ''
    # A should_fail test prints failures on purpose: it counts once, by its meson result.
    if result != 'EXPECTEDFAIL' and PLAN.search(out):
        passed = failed = skipped = 0
        failed_names = []
        for m in TAP_LINE.finditer(out):
            status, desc, directive = m.group(1), m.group(2).strip(), (m.group(4) or '').upper()
            if directive == 'SKIP':
                skipped += 1
            elif directive == 'TODO':
                passed += 1    # known failure, reported by TAP as not counting
            elif status == 'ok':
                passed += 1
            else:
                failed += 1
                failed_names.append('%s: %s' % (name, desc))
        if result == 'SKIP' and passed + failed + skipped == 0:
            skipped = 1
        if result in FAIL and failed == 0:
            # crashed or timed out outside a subtest: the test as a whole failed
            failed = 1
            failed_names.append('%s (%s)' % (name, result))
        return passed, failed, skipped, failed_names
    if result in PASS:
        return 1, 0, 0, []
    if result in SKIP:
        return 0, 0, 1, []
    return 0, 1, 0, ['%s (%s)' % (name, result)]


def main(argv):
    failed_steps = []
    dirs = []
    it = iter(argv)
    for a in it:
        if a == '--failed-step':
            failed_steps.append(next(it, '?'))
        elif a in ('-h', '--help'):
            print(__doc__)
            return 0
        else:
            dirs.append(a)

    passed = failed = skipped = 0
    problems = []
    for step in failed_steps:
        failed += 1
        problems.append('step failed: ' + step)
    for d in dirs:
        log = os.path.join(d, 'meson-logs', 'testlog.json')
        try:
            with open(log, encoding='utf-8', errors='replace') as f:
                lines = [l for l in f if l.strip()]
        except OSError:
            failed += 1
            problems.append('no test log in %s' % d)
            continue
        for line in lines:
            try:
                entry = json.loads(line)
            except ValueError:
                failed += 1
                problems.append('%s: unreadable line' % log)
                continue
            p, f_, s, names = count_test(entry)
            passed += p
            failed += f_
            skipped += s
            problems.extend('%s: %s' % (os.path.basename(d.rstrip('/')), n) for n in names)

    for p in problems:
        print('FAILED ' + p)
    if passed + failed == 0:
        print('no test ran')
    print('%d passed, %d failed, %d skipped' % (passed, failed, skipped))
    return 1 if failed or passed + failed == 0 else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
