#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
#
# test-history-faults.py NETLENS GEN_CAPTURE HELPER WORKDIR
#
# Issue 18, "Faults": the history database on a full disk (small tmpfs mounts of this test's)
# and locked by another process (an open BEGIN EXCLUSIVE transaction).  Netlens must say so
# clearly, go on with the capture, write the whole export, exit 3 (partial: the history is
# incomplete), and never hang: a locked database costs its busy timeout (5 s) once, not per
# batch.  Cases: --read of a generated capture, and a live capture on the loopback of a
# network namespace this test makes (the real helper, NETLENS_HELPER).  TAP output.

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

tap_n = 0
failures = 0


def ok(cond, what):
    global tap_n, failures
    tap_n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (tap_n, what), flush=True)
    if not cond:
        failures += 1
    return cond


def skip(what, why):
    global tap_n
    tap_n += 1
    print("ok %d - %s # SKIP %s" % (tap_n, what, why), flush=True)


def run(args, timeout=60, env=None):
    start = time.monotonic()
    p = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=timeout, env=env)
    return p.returncode, p.stderr, time.monotonic() - start


def rows(path):
    with open(path) as f:
        return [json.loads(line) for line in f if '"protocol"' in line]


class Tmpfs:
    """A tmpfs of SIZE this test mounts (and always unmounts)."""

    def __init__(self, path, size):
        self.path, self.size, self.mounted = path, size, False

    def __enter__(self):
        os.makedirs(self.path, exist_ok=True)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0700" % self.size,
                        "netlens-test", self.path], check=True)
        self.mounted = True
        return self

    def __exit__(self, *exc):
        if self.mounted:
            subprocess.run(["umount", self.path])


def check_fault(what, rc, err, wall, expected_rows, out, message):
    print("# %s: exit %d in %.1f s; stderr: %s" % (what, rc, wall, err.strip().replace("\n", " | ")))
    ok(rc == 3, "%s: exit 3 (partial: the history is incomplete), got %d" % (what, rc))
    warning = [l for l in err.splitlines() if l.startswith("netlens: warning: history: ")]
    ok(len(warning) == 1 and message in warning[0] and "the export is complete" in warning[0],
       "%s: the warning names the cause (%r)" % (what, message))
    ok(wall < 30, "%s: no hang (%.1f s)" % (what, wall))
    if expected_rows is None:
        got = rows(out) if os.path.exists(out) else []
        ok(len(got) > 0, "%s: the capture went on, %d rows exported" % (what, len(got)))
    else:
        got = len(rows(out)) if os.path.exists(out) else -1
        ok(got == expected_rows, "%s: the export is complete (%d of %d rows)"
           % (what, got, expected_rows))


def main():
    if len(sys.argv) != 5:
        print("usage: test-history-faults.py NETLENS GEN_CAPTURE HELPER WORKDIR", file=sys.stderr)
        return 2
    netlens, gen, helper, workdir = sys.argv[1:]
    if os.geteuid() != 0 or not shutil.which("mount"):
        print("1..0 # SKIP needs root to mount a tmpfs")
        return 0
    os.makedirs(workdir, exist_ok=True)
    work = tempfile.mkdtemp(prefix="history-faults-", dir=workdir)
    env = {k: v for k, v in os.environ.items()}
    env["NETLENS_HELPER"] = helper

    capture = os.path.join(work, "c.pcap")
    subprocess.run([gen, "-n", "40000", "-f", "4000", "--no-checksums", "--quiet",
                    "--output", capture], check=True)
    reference = os.path.join(work, "reference.jsonl")
    rc, err, _ = run([netlens, "--read", capture, "--export", "jsonl", "--output", reference])
    ok(rc == 0, "reference export without history (exit %d)" % rc)
    expected = len(rows(reference))

    # ---- a disk too full to open the database: refused before capturing ----
    mnt = os.path.join(work, "tiny")
    with Tmpfs(mnt, "16k"):
        db = os.path.join(mnt, "history.db")
        rc, err, wall = run([netlens, "--read", capture, "--export", "jsonl", "--output",
                             os.path.join(work, "tiny.jsonl"), "--history-db", db])
    print("# disk full at open: exit %d in %.1f s; stderr: %s" % (rc, wall, err.strip()))
    # SQLite says "disk I/O error" or "database or disk is full", depending on where it stops
    ok(rc == 1 and db in err and "cannot be opened" in err and wall < 30,
       "disk full at open: exit 1 at once, the message names the database")

    # ---- a disk that fills up during the capture ----
    mnt = os.path.join(work, "full")
    out = os.path.join(work, "full.jsonl")
    with Tmpfs(mnt, "256k"):
        rc, err, wall = run([netlens, "--read", capture, "--export", "jsonl", "--output", out,
                             "--history-db", os.path.join(mnt, "history.db")])
    check_fault("--read, disk full", rc, err, wall, expected, out, "database or disk is full")

    # ---- locked by another process ----
    db = os.path.join(work, "locked.db")
    rc, err, _ = run([netlens, "--read", capture, "--export", "json", "--output", os.devnull,
                      "--history-db", db])
    ok(rc == 0, "a history database to lock (exit %d)" % rc)
    locker = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys, time\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE')\n"
         "print('locked', flush=True)\n"
         "time.sleep(120)\n", db],
        stdout=subprocess.PIPE, text=True)
    try:
        ok(locker.stdout.readline().strip() == "locked", "another process holds the lock")
        out = os.path.join(work, "locked.jsonl")
        rc, err, wall = run([netlens, "--read", capture, "--export", "jsonl", "--output", out,
                             "--history-db", db])
        check_fault("--read, database locked", rc, err, wall, expected, out,
                    "database is locked")
    finally:
        locker.kill()
        locker.wait()

    # ---- a live capture, the disk full ----
    ns = "nlrel-hist-%d" % os.getpid()
    if not shutil.which("ip") or not os.access(helper, os.X_OK):
        skip("live capture, disk full", "needs iproute2 and the built helper")
    elif subprocess.run(["ip", "netns", "add", ns]).returncode != 0:
        skip("live capture, disk full", "cannot create a network namespace")
    else:
        try:
            subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
            mnt = os.path.join(work, "full-live")
            out = os.path.join(work, "live.jsonl")
            with Tmpfs(mnt, "256k"):
                proc = subprocess.Popen(
                    ["ip", "netns", "exec", ns, netlens, "--interface", "lo", "--duration", "4",
                     "--attribution", "none", "--export", "jsonl", "--output", out,
                     "--history-db", os.path.join(mnt, "history.db")],
                    stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
                start = time.monotonic()
                time.sleep(1.0)
                # UDP datagrams to many ports: rows enough to fill the tiny disk
                subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c",
                                "import socket\n"
                                "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                                "for port in range(20000, 22000):\n"
                                "    s.sendto(b'x' * 64, ('127.0.0.1', port))\n"], check=True)
                try:
                    _, err = proc.communicate(timeout=40)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    _, err = proc.communicate()
                wall = time.monotonic() - start
            check_fault("live, disk full", proc.returncode, err, wall, None, out,
                        "database or disk is full")
        finally:
            subprocess.run(["ip", "netns", "del", ns])

    shutil.rmtree(work, ignore_errors=True)
    print("1..%d" % tap_n)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
