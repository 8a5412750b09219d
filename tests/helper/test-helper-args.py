#!/usr/bin/python3
# test-helper-args.py: netlens-capture refuses bad arguments, clearly and before capturing
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Runs as any user: validation happens before anything privileged.  Each refusal must
# be a non-zero exit with a readable message on stderr and an ERROR frame (the code
# below) as the first frame on stdout.

import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpertest  # noqa: E402
import netlens_wire  # noqa: E402

USAGE, INTERFACE, PERMISSION, FILTER = 2, 3, 4, 5

if not helpertest.HELPER or not os.path.exists(helpertest.HELPER):
    helpertest.skip("helper binary not found (run through meson test)")

cases = [
    ([], USAGE, "--interface is required"),
    (["--interface"], USAGE, "needs a name"),
    (["--interface", "../../etc/passwd"], USAGE, "not an interface name"),
    (["--interface", "a/b"], USAGE, "not an interface name"),
    (["--interface", "x" * 16], USAGE, "not an interface name"),
    (["--interface", "lo x"], USAGE, "not an interface name"),
    (["--interface", "lo", "--interface", "lo"], USAGE, "twice"),
    (["--interface", "nosuchif0"], INTERFACE, "no such network interface"),
    (["--interface", "lo", "--snaplen", "0"], USAGE, "--snaplen"),
    (["--interface", "lo", "--snaplen", "10"], USAGE, "--snaplen"),
    (["--interface", "lo", "--snaplen", "99999999"], USAGE, "--snaplen"),
    (["--interface", "lo", "--snaplen", "12abc"], USAGE, "--snaplen"),
    (["--interface", "lo", "--snaplen"], USAGE, "--snaplen"),
    (["--interface", "lo", "--bpf"], USAGE, "--bpf needs"),
    (["--interface", "lo", "--bpf", "tcp or " * 1000], USAGE, "longer than"),
    (["--interface", "lo", "--attribution", "magic"], USAGE, "--attribution"),
    (["--interface", "lo", "--write", "/tmp/netlens-x.pcap"], USAGE, "unknown argument"),
    (["--interface", "lo", "-w", "/tmp/netlens-x.pcap"], USAGE, "unknown argument"),
    (["--interface", "lo", "--seccomp-selftest"], USAGE, "unknown argument"),
    (["--interface", "lo", "extra"], USAGE, "unknown argument"),
]
if os.geteuid() == 0:
    # the filter compiles only on an active handle: needs capture rights
    cases.append((["--interface", "lo", "--bpf", "tcp and and port"], FILTER,
                  "filter is not valid"))
else:
    # without capture rights, a valid request is a clean permission error
    cases.append((["--interface", "lo"], PERMISSION, "not allowed to capture"))

failures = 0
for args, code, text in cases:
    r = subprocess.run([helpertest.HELPER] + args, stdin=subprocess.DEVNULL,
                       capture_output=True, timeout=20)
    reader = netlens_wire.Reader()
    reader.feed(r.stdout)
    frames = list(reader.frames())
    ok = (r.returncode == code and frames and frames[0]["type"] == "error"
          and frames[0]["code"] == code
          and text.lower() in (frames[0]["primary"] + " " + frames[0]["secondary"]).lower()
          and text.lower() in r.stderr.decode().lower())
    shown = " ".join(a if len(a) < 30 else a[:27] + "..." for a in args)
    print("%s %-60s rc=%d %s" % ("ok  " if ok else "FAIL", shown, r.returncode,
                                 r.stderr.decode().strip()[:100]))
    if not ok:
        failures += 1
        print("    frames:", frames[:1])

# the file it would write is never created
if os.path.exists("/tmp/netlens-x.pcap"):
    print("FAIL: the helper created a file its caller named")
    failures += 1

print("%d cases, %d failed" % (len(cases), failures))
sys.exit(1 if failures else 0)
