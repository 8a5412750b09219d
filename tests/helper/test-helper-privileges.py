#!/usr/bin/python3
# test-helper-privileges.py: what the helper keeps while it captures, and when it stops
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# In a network namespace of its own, as root (as pkexec would start it):
#  - /proc/PID/status while capturing: NoNewPrivs 1, Seccomp 2, no capabilities in BPF
#    mode, exactly CAP_SYS_PTRACE + CAP_DAC_READ_SEARCH in proc mode, uid nobody;
#  - the selftest build's forbidden call is killed with SIGSYS;
#  - it exits within 1 s of stdin end-of-file, of a broken stdout, and of its parent dying;
#  - a packet reaches the reader within milliseconds.

import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpertest  # noqa: E402
from helpertest import log  # noqa: E402

helpertest.need_root()
failures = []


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)


CAP_DAC_READ_SEARCH = 2
CAP_SYS_PTRACE = 19


def start(ns, mode, binary=None, extra=()):
    p = ns.popen([binary or helpertest.HELPER, "--interface", "lo", "--attribution", mode]
                 + list(extra), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                 stderr=subprocess.PIPE)
    frames = helpertest.read_frames(p.stdout, lambda f: f["type"] in ("hello", "error"), 10)
    hello = next((f for f in frames if f["type"] == "hello"), None)
    return p, hello


with helpertest.Netns("pv") as ns:
    for mode in ("bpf", "proc"):
        p, hello = start(ns, mode)
        check(hello is not None, "%s: hello frame" % mode)
        if hello is None:
            p.kill()
            continue
        log("hello:", hello)
        check(hello["attribution"] == mode, "%s: the helper uses %s attribution (%s)"
              % (mode, mode, hello["note"] or "no note"))
        # the scan and drop happen right after the hello and addresses: wait for stats
        helpertest.read_frames(p.stdout, lambda f: f["type"] == "stats", 3)
        st = helpertest.proc_status(p.pid)
        log(mode, {k: st[k] for k in ("Uid", "CapPrm", "CapEff", "CapBnd", "NoNewPrivs",
                                      "Seccomp")})
        check(st["NoNewPrivs"] == "1", "%s: NoNewPrivs: 1" % mode)
        check(st["Seccomp"] == "2", "%s: Seccomp: 2 (filter)" % mode)
        want = 0 if mode == "bpf" else (1 << CAP_DAC_READ_SEARCH) | (1 << CAP_SYS_PTRACE)
        check(int(st["CapEff"], 16) == want, "%s: CapEff %016x" % (mode, want))
        check(int(st["CapPrm"], 16) == want, "%s: CapPrm %016x" % (mode, want))
        check(int(st["CapBnd"], 16) == 0, "%s: empty bounding set" % mode)
        check(st["Uid"].split()[0] != "0", "%s: no longer uid 0 (%s)" % (mode, st["Uid"]))
        # capabilities and NO_NEW_PRIVS are per thread: every thread must match
        for tid in os.listdir("/proc/%d/task" % p.pid):
            tst = {}
            with open("/proc/%d/task/%s/status" % (p.pid, tid)) as f:
                for line in f:
                    k, _, v = line.partition(":")
                    tst[k] = v.strip()
            check(int(tst["CapEff"], 16) == want and int(tst["CapPrm"], 16) == want
                  and int(tst["CapBnd"], 16) == 0 and tst["NoNewPrivs"] == "1"
                  and tst["Seccomp"] == "2",
                  "%s: thread %s (%s) has the same restrictions" % (mode, tid, tst["Name"]))

        if mode == "proc":
            # a socket that appears after the drop: only the filtered scan thread can find
            # it, walking every /proc/PID/fd with the two capabilities it kept
            listener = ns.popen(["/usr/bin/python3", "-c",
                                 "import socket,time; s=socket.socket(); "
                                 "s.bind(('127.0.0.1', 17777)); s.listen(); time.sleep(30)"])
            frames = helpertest.read_frames(
                p.stdout, lambda f: f["type"] == "owner" and f["lport"] == 17777, 5)
            owner = [f for f in frames if f["type"] == "owner" and f["lport"] == 17777]
            check(bool(owner) and owner[0]["pid"] == listener.pid,
                  "proc: the scan after the drop names a new listener (%s)"
                  % (owner[0]["comm"] + "/" + str(owner[0]["pid"]) if owner else "nothing"))
            check(p.poll() is None, "proc: still running after scanning under the filter")
            listener.kill()
            listener.wait()

        # latency: datagrams in the namespace reach us within milliseconds (the median of
        # five, so that one scheduling hiccup of a loaded machine does not decide)
        sender = ns.popen(["/usr/bin/python3", "-c",
                           "import socket,time\n"
                           "s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\n"
                           "for i in range(5):\n"
                           "    s.sendto(b'netlens-latency', ('127.0.0.1', 9)); time.sleep(0.05)\n"])
        seen = []
        frames = helpertest.read_frames(
            p.stdout, lambda f: (f["type"] == "packet" and b"netlens-latency" in f["data"]
                                 and seen.append(f) is None and len(seen) == 5), 10)
        sender.wait()
        check(len(seen) == 5, "%s: the datagrams arrived as packet frames (%d)" % (mode, len(seen)))
        if seen:
            delays = sorted((f["_arrival"] - f["ts_us"] / 1e6) * 1000 for f in seen)
            median = delays[len(delays) // 2]
            log("%s: capture -> reader delays (ms): %s" % (mode, ", ".join("%.2f" % d for d in delays)))
            check(median < 100, "%s: packets reach the reader within milliseconds (median %.2f ms)"
                  % (mode, median))

        # stdin end-of-file: stop within 1 s
        t0 = time.monotonic()
        p.stdin.close()
        try:
            p.wait(timeout=5)
        except subprocess.TimeoutExpired:
            p.kill()
        dt = time.monotonic() - t0
        check(dt < 1.0 and p.returncode == 0,
              "%s: exits within 1 s of stdin EOF (%.3f s, rc %s)" % (mode, dt, p.returncode))

    # broken stdout: the reader goes away, nothing else changes
    p, hello = start(ns, "bpf")
    t0 = time.monotonic()
    p.stdout.close()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
    dt = time.monotonic() - t0
    check(dt < 1.0, "exits within 1 s of a broken stdout (%.3f s, rc %s)" % (dt, p.returncode))
    p.stdin.close()

    # parent death: stdin stays open (we hold its write end), stdout goes to a file
    r, w = os.pipe()
    out = open(os.path.join("/tmp", "netlens-parent-%d.bin" % os.getpid()), "wb")
    parent = ns.popen(["/usr/bin/python3", "-c",
                       "import subprocess,sys,time\n"
                       "p=subprocess.Popen(sys.argv[1:], stdin=%d, stdout=sys.stdout)\n"
                       "print(p.pid, file=sys.stderr, flush=True)\n"
                       "time.sleep(3600)\n" % r,
                       helpertest.HELPER, "--interface", "lo", "--attribution", "bpf"],
                      pass_fds=(r,), stdout=out, stderr=subprocess.PIPE)
    os.close(r)
    helper_pid = int(parent.stderr.readline().decode())
    # wait until it captures (its first statistics frame): a parent that dies during the
    # set-up is noticed right after it, which on a loaded machine can take seconds
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with open(out.name, "rb") as f:
            reader = helpertest.netlens_wire.Reader()
            reader.feed(f.read())
            if any(fr["type"] == "stats" for fr in reader.frames()):
                break
        time.sleep(0.05)
    check(os.path.exists("/proc/%d" % helper_pid), "helper runs under a parent")
    t0 = time.monotonic()
    parent.kill()
    parent.wait()
    dt = helpertest.wait_gone(helper_pid, 5)
    check(dt is not None and dt < 1.0, "exits within 1 s of its parent dying (%s s)"
          % ("%.3f" % dt if dt is not None else "never"))
    os.close(w)
    out.close()
    os.unlink(out.name)

    # the seccomp filter kills a forbidden call
    if helpertest.HELPER_SELFTEST and os.path.exists(helpertest.HELPER_SELFTEST):
        p = ns.popen([helpertest.HELPER_SELFTEST, "--interface", "lo", "--attribution", "bpf",
                      "--seccomp-selftest"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE)
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        check(p.returncode == -signal.SIGSYS,
              "forbidden system call after the filter: killed by SIGSYS (rc %s)" % p.returncode)
    else:
        check(False, "selftest helper built")

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
