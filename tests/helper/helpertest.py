# helpertest.py: shared setup for the capture helper's end-to-end tests
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Network namespaces the test creates (traffic never leaves them), a system bus and
# polkitd (started when none answers, stopped afterwards), an unprivileged test user,
# and a test polkit action of its own id whose exec.path names a copy of the helper in a
# world-readable folder (/root is 0700 here).

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import netlens_wire  # noqa: E402

SKIP = 77
TEST_USER = "netlens-tester"
TEST_ACTION = "io.github.netlens.Netlens.test-capture"
ACTION_FILE = "/usr/share/polkit-1/actions/%s.policy" % TEST_ACTION
RULE_FILE = "/etc/polkit-1/rules.d/49-netlens-test-capture.rules"

HELPER = os.environ.get("NETLENS_HELPER_BIN")
HELPER_SELFTEST = os.environ.get("NETLENS_HELPER_SELFTEST_BIN")
LIVE_TEST = os.environ.get("NETLENS_LIVE_TEST_BIN")
NETLENS = os.environ.get("NETLENS_BIN")


def die_with_parent():
    """preexec_fn: the child gets SIGKILL when the test dies (a meson timeout must not
    leave servers or hundreds of background processes behind)."""
    import ctypes
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def log(*args):
    print("#", *args, flush=True)


def skip(reason):
    """Skips, except under CI=true, where a missing prerequisite is a failure."""
    if os.environ.get("CI") == "true":
        print("FAIL (CI=true, so not skipped): " + reason, flush=True)
        sys.exit(1)
    print("SKIP: " + reason, flush=True)
    sys.exit(SKIP)


def need_root():
    if os.geteuid() != 0:
        skip("needs root (network namespaces, a test user, polkit files)")
    for b in (HELPER, LIVE_TEST):
        if not b or not os.path.exists(b):
            skip("built binaries not found (run through meson test)")


class Netns:
    """A network namespace with lo up; nsenter (not `ip netns exec`, which mounts a
    fresh /sys over the cgroup hierarchy the eBPF programs attach to)."""

    def __init__(self, tag):
        self.name = "nl%s%d" % (tag, os.getpid())
        subprocess.run(["ip", "netns", "add", self.name], check=True)
        subprocess.run(["ip", "-n", self.name, "link", "set", "lo", "up"], check=True)
        self.path = "/run/netns/" + self.name

    def cmd(self, argv):
        return ["nsenter", "--net=" + self.path] + list(argv)

    def run(self, argv, **kw):
        kw.setdefault("cwd", "/")  # the test user cannot enter the build folder under /root
        return subprocess.run(self.cmd(argv), **kw)

    def popen(self, argv, **kw):
        kw.setdefault("cwd", "/")
        kw.setdefault("preexec_fn", die_with_parent)
        return subprocess.Popen(self.cmd(argv), **kw)

    def close(self):
        # processes still inside keep it alive; callers stop theirs first
        subprocess.run(["ip", "netns", "delete", self.name], check=False)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_frames(stream, until, timeout=5.0):
    """Reads frames from a pipe until until(frame) is true; returns every frame read."""
    import select
    reader = netlens_wire.Reader()
    frames = []
    deadline = time.monotonic() + timeout
    fd = stream.fileno()
    while time.monotonic() < deadline:
        r, _, _ = select.select([fd], [], [], max(0.0, deadline - time.monotonic()))
        if not r:
            break
        data = os.read(fd, 65536)
        if not data:
            break
        reader.feed(data)
        now = time.time()
        for f in reader.frames():
            f["_arrival"] = now
            frames.append(f)
            if until(f):
                return frames
    return frames


def proc_status(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def wait_gone(pid, timeout):
    """Seconds until /proc/PID disappears (reaped or zombie), or None."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        try:
            with open("/proc/%d/stat" % pid) as f:
                state = f.read().rsplit(")", 1)[1].split()[0]
            if state == "Z":
                return time.monotonic() - start
        except FileNotFoundError:
            return time.monotonic() - start
        time.sleep(0.01)
    return None


# ---- world-readable copies ------------------------------------------------------------

class Staging:
    """A 0755 folder under /var/tmp with copies of the binaries the test user runs."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="netlens-test-", dir="/var/tmp")
        os.chmod(self.dir, 0o755)
        self.helper = self.copy(HELPER, "netlens-capture")
        self.live_test = self.copy(LIVE_TEST, "live-capture-test")
        self.netlens = self.copy(NETLENS, "netlens") if NETLENS and os.path.exists(NETLENS) else None

    def copy(self, src, name):
        dst = os.path.join(self.dir, name)
        shutil.copy2(src, dst)
        os.chmod(dst, 0o755)
        return dst

    def close(self):
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- system bus and polkit --------------------------------------------------------------

def _bus_answers():
    return subprocess.run(["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
                           "--object-path", "/org/freedesktop/DBus",
                           "--method", "org.freedesktop.DBus.GetId"],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                          timeout=10).returncode == 0


def _polkit_owned():
    r = subprocess.run(["gdbus", "call", "--system", "--dest", "org.freedesktop.DBus",
                        "--object-path", "/org/freedesktop/DBus",
                        "--method", "org.freedesktop.DBus.NameHasOwner",
                        "org.freedesktop.PolicyKit1"],
                       capture_output=True, text=True, timeout=10)
    return r.returncode == 0 and "true" in r.stdout


class Polkit:
    """Makes sure a system bus and polkitd run; stops only what it started."""

    def __init__(self):
        self.started = []
        if not _bus_answers():
            os.makedirs("/run/dbus", exist_ok=True)
            for f in ("/run/dbus/pid", "/run/dbus/system_bus_socket"):
                if os.path.exists(f):
                    os.unlink(f)
            subprocess.run(["dbus-uuidgen", "--ensure=/etc/machine-id"], check=False)
            r = subprocess.run(["dbus-daemon", "--system", "--fork", "--print-pid"],
                               capture_output=True, text=True)
            if r.returncode != 0 or not _bus_answers():
                skip("no system bus is reachable and none could be started: " + r.stderr.strip())
            self.started.append((int(r.stdout.split()[0]), "dbus-daemon"))
            log("started a system bus, pid", self.started[-1][0])
        if not _polkit_owned():
            logf = open(os.path.join(tempfile.gettempdir(), "netlens-test-polkitd.log"), "ab")
            p = subprocess.Popen(["/usr/lib/polkit-1/polkitd"], stdin=subprocess.DEVNULL,
                                 stdout=logf, stderr=logf, start_new_session=True)
            self.started.append((p.pid, "polkitd"))
            for _ in range(100):
                if _polkit_owned():
                    break
                time.sleep(0.1)
            else:
                skip("polkitd did not appear on the system bus")
            log("started polkitd, pid", p.pid)

    def close(self):
        for pid, comm in reversed(self.started):
            try:
                with open("/proc/%d/comm" % pid) as f:
                    if f.read().strip() != comm[:15]:
                        continue
                os.kill(pid, signal.SIGTERM)
            except (FileNotFoundError, ProcessLookupError):
                pass


def ensure_test_user():
    if subprocess.run(["id", TEST_USER], capture_output=True).returncode != 0:
        subprocess.run(["useradd", "-m", TEST_USER], check=True)
    import pwd
    return pwd.getpwnam(TEST_USER).pw_uid


def install_test_action(helper_path, allow):
    """The test's own action (its own id and file, never the installed policy) whose
    exec.path is HELPER_PATH, and a rule that allows or denies the test user."""
    with open(ACTION_FILE, "w") as f:
        f.write("""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE policyconfig PUBLIC "-//freedesktop//DTD PolicyKit Policy Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/PolicyKit/1/policyconfig.dtd">
<policyconfig>
  <action id="%s">
    <description>Netlens test capture</description>
    <message>Netlens tests capture on a namespace they created</message>
    <defaults>
      <allow_any>no</allow_any>
      <allow_inactive>no</allow_inactive>
      <allow_active>no</allow_active>
    </defaults>
    <annotate key="org.freedesktop.policykit.exec.path">%s</annotate>
  </action>
</policyconfig>
""" % (TEST_ACTION, helper_path))
    with open(RULE_FILE, "w") as f:
        # ES5 only: polkit 122 uses Duktape
        f.write("""polkit.addRule(function(action, subject) {
    if (action.id == "%s" && subject.user == "%s") {
        return polkit.Result.%s;
    }
});
""" % (TEST_ACTION, TEST_USER, "YES" if allow else "NO"))
    time.sleep(1.5)  # polkitd picks files up through inotify in under a second


def remove_test_action():
    for f in (ACTION_FILE, RULE_FILE):
        if os.path.exists(f):
            os.unlink(f)


def as_user(argv_text):
    """argv for running a shell command line as the test user."""
    return ["su", TEST_USER, "-s", "/bin/sh", "-c", argv_text]
