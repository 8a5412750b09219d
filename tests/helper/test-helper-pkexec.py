#!/usr/bin/python3
# test-helper-pkexec.py: the helper through pkexec, allowed and denied, as an ordinary user
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Installs a test action of its own id (exec.path = a copy of the helper in a
# world-readable folder) and a rule for the test user, then removes both.

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpertest  # noqa: E402
from helpertest import log  # noqa: E402

helpertest.need_root()
failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)


polkit = helpertest.Polkit()
stage = helpertest.Staging()
ns = helpertest.Netns("pk")
try:
    helpertest.ensure_test_user()

    # allowed: the helper runs as root for the user, says hello, stops at stdin EOF
    helpertest.install_test_action(stage.helper, allow=True)
    p = ns.popen(helpertest.as_user("exec pkexec %s --interface lo" % stage.helper),
                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    frames = helpertest.read_frames(p.stdout, lambda f: f["type"] in ("hello", "error"), 15)
    hello = next((f for f in frames if f["type"] == "hello"), None)
    check(hello is not None, "allowed: pkexec started the helper, hello frame received")
    if hello:
        log("hello:", hello)
    p.stdin.close()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    err = p.stderr.read().decode()
    check(p.returncode == 0, "allowed: exit 0 after stdin EOF (rc %s, %s)"
          % (p.returncode, err.strip()[:200]))

    # allowed, through the live source as the user: a capture, exit 0
    r = ns.run(helpertest.as_user("NETLENS_HELPER=%s %s --interface lo --duration 1"
                                  % (stage.helper, stage.live_test)),
               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    check(r.returncode == 0 and b'"interface"' in r.stdout,
          "allowed: live source through pkexec exits 0 with an export (rc %d, %s)"
          % (r.returncode, r.stderr.decode().strip()[:200]))

    # denied by a rule: pkexec 127 "Not authorized", never a hang
    helpertest.install_test_action(stage.helper, allow=False)
    r = ns.run(helpertest.as_user("exec pkexec %s --interface lo" % stage.helper),
               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    err = r.stderr.decode()
    check(r.returncode == 127 and "Not authorized" in err,
          "denied: pkexec rc 127, 'Not authorized' (rc %d, %s)" % (r.returncode, err.strip()))
    r = ns.run(helpertest.as_user("NETLENS_HELPER=%s %s --interface lo --duration 5"
                                  % (stage.helper, stage.live_test)),
               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    err = r.stderr.decode()
    log("live source, denied:", err.strip())
    check(r.returncode == 4 and "not authorised" in err,
          "denied: the live source fails clearly, non-zero exit (rc %d)" % r.returncode)
    if stage.netlens:
        r = ns.run(helpertest.as_user("NETLENS_HELPER=%s %s --interface lo --duration 5 "
                                      "--export json" % (stage.helper, stage.netlens)),
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        err = r.stderr.decode()
        log("netlens, denied: rc %d: %s" % (r.returncode, err.strip()))
        check(r.returncode != 0, "denied: netlens --interface exits non-zero (rc %d)"
              % r.returncode)

    # no rule at all (the action's defaults say no), no agent: 127, no hang
    os.unlink(helpertest.RULE_FILE)
    import time
    time.sleep(1.5)
    r = ns.run(helpertest.as_user("exec pkexec --disable-internal-agent %s --interface lo"
                                  % stage.helper),
               stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    err = r.stderr.decode()
    check(r.returncode == 127, "no rule: pkexec rc 127 (%d, %s)" % (r.returncode, err.strip()))
finally:
    helpertest.remove_test_action()
    ns.close()
    stage.close()
    polkit.close()

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
