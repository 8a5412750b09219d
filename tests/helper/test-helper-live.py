#!/usr/bin/python3
# test-helper-live.py: headless live capture as an ordinary user, through pkexec, with
# real clients and servers in a network namespace the test creates
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
#  1. curl vs nginx, dig vs dnsmasq, openssl s_client vs s_server, ssh vs sshd on the
#     namespace's lo: the export has each connection with its state, DPI fields, and both
#     process names (client as `process`, server as `peer_process`);
#  2. killing the helper mid-capture: a clear error, non-zero exit, what was captured kept;
#  3. stopping (SIGINT) or killing the capturing process leaves no helper behind.
#
# It runs `netlens --interface lo --export json` when that build does live capture, and
# otherwise tests/helper/live-capture-test, which is the same code path
# (netlens_live_source_run_headless + pipeline + JSON export).

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import helpertest  # noqa: E402
import servers  # noqa: E402
from helpertest import log  # noqa: E402

helpertest.need_root()
failures = []
START_WAIT = 3.0   # pkexec, polkit, BPF load


def check(cond, what):
    print("%s %s" % ("ok  " if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)


def runner_command(stage, ns, duration):
    """The capture command line, and whether it is netlens itself."""
    if stage.netlens:
        r = ns.run(["env", "NETLENS_HELPER=" + stage.helper, stage.netlens, "--interface", "lo",
                    "--duration", "0.5", "--export", "json"],
                   stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        if b"needs the capture helper" not in r.stderr and r.returncode == 0:
            return ("env NETLENS_HELPER=%s %s --interface lo --duration %s --export json"
                    % (stage.helper, stage.netlens, duration)), True
        log("netlens does not capture live yet (%s): using live-capture-test"
            % r.stderr.decode().strip()[:120])
    return ("env NETLENS_HELPER=%s %s --interface lo --duration %s"
            % (stage.helper, stage.live_test, duration)), False


def find_rows(export, port):
    return [c for c in export.get("connections", [])
            if port in (c["remote"].get("port"), c["local"].get("port"))]


def helper_pids(stage):
    out = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            if os.readlink("/proc/%s/exe" % pid) == stage.helper:
                out.append(int(pid))
        except OSError:
            pass
    return out


polkit = helpertest.Polkit()
stage = helpertest.Staging()
ns = helpertest.Netns("lv")
srv = None
try:
    helpertest.ensure_test_user()
    helpertest.install_test_action(stage.helper, allow=True)
    srv = servers.Servers(ns, stage.dir)
    log("servers:", srv.available)
    check(set(srv.available) == {"http", "tls", "dns", "ssh"}, "all four servers started")

    # ---- 1. real traffic, real programs -------------------------------------------------
    cmd, is_netlens = runner_command(stage, ns, 10)
    log("capturing with:", cmd)
    export_file = tempfile.TemporaryFile()  # a pipe read only at the end could fill up
    cap = ns.popen(helpertest.as_user(cmd), stdin=subprocess.DEVNULL,
                   stdout=export_file, stderr=subprocess.PIPE)
    time.sleep(START_WAIT)
    for name in srv.available:
        r = ns.run(helpertest.as_user(servers.CLIENTS[name]), stdin=subprocess.DEVNULL,
                   capture_output=True, timeout=30)
        log("client %s: rc %d" % (name, r.returncode))
    _, err = cap.communicate(timeout=60)
    export_file.seek(0)
    out = export_file.read()
    check(cap.returncode == 0, "capture exits 0 (rc %d, %s)" % (cap.returncode,
                                                                err.decode().strip()[:200]))
    try:
        export = json.loads(out)
    except ValueError:
        export = {}
        log("export is not JSON:", out[:300])
    log("stats:", export.get("stats"))
    expect = {
        "http": (servers.HTTP_PORT, "tcp", "curl", "nginx", "flows.example.test"),
        "tls": (servers.TLS_PORT, "tcp", "openssl", "openssl", "sni.example.test"),
        "dns": (servers.DNS_PORT, "udp", "dig", "dnsmasq", "dns.example.test"),
        "ssh": (servers.SSH_PORT, "tcp", "ssh", "sshd", "OpenSSH"),
    }
    for name in srv.available:
        port, proto, client, server, text = expect[name]
        rows = [c for c in find_rows(export, port) if c["protocol"] == proto]
        check(len(rows) >= 1, "%s: a %s connection to port %d" % (name, proto, port))
        if not rows:
            continue
        row = rows[0]
        blob = json.dumps(row)
        proc = row.get("process") or {}
        peer = row.get("peer_process") or {}
        log("%s row: %s %s:%s -> %s:%s state %s app_state %s process %s/%s peer %s/%s" % (
            name, proto, row["local"]["address"], row["local"].get("port"),
            row["remote"]["address"], row["remote"].get("port"), row.get("state"),
            row.get("app_state"), proc.get("name"), proc.get("pid"), peer.get("name"),
            peer.get("pid")))
        check(row["remote"].get("port") == port, "%s: the client is the local side" % name)
        check(proc.get("name") == client, "%s: process is %s (got %s)"
              % (name, client, proc.get("name")))
        check(proc.get("user") == helpertest.TEST_USER, "%s: process user is %s (got %s)"
              % (name, helpertest.TEST_USER, proc.get("user")))
        check(peer.get("name") == server, "%s: peer_process is %s (got %s)"
              % (name, server, peer.get("name")))
        check(text in blob, "%s: DPI found %s" % (name, text))
        if proto == "tcp":
            check(row.get("state") in ("CLOSED", "TIME_WAIT"),
                  "%s: final TCP state CLOSED or TIME_WAIT (got %s)" % (name, row.get("state")))
        if name == "dns":
            check(row.get("app_state") == "DNS_RESPONSE",
                  "dns: app_state DNS_RESPONSE (got %s)" % row.get("app_state"))
        if name == "ssh":
            check(row.get("app_state") is not None, "ssh: app_state set (got %s)"
                  % row.get("app_state"))

    # ---- 2. killing the helper mid-capture ----------------------------------------------
    cmd = cmd.replace("--duration 10", "--duration 60")
    cap = ns.popen(helpertest.as_user(cmd), stdin=subprocess.DEVNULL,
                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    time.sleep(START_WAIT)
    ns.run(helpertest.as_user(servers.CLIENTS["http"]), stdin=subprocess.DEVNULL, timeout=30)
    time.sleep(0.5)
    pids = helper_pids(stage)
    check(len(pids) == 1, "one helper running (%s)" % pids)
    t0 = time.monotonic()
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    try:
        out, err = cap.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        cap.kill()
        out, err = cap.communicate()
    dt = time.monotonic() - t0
    err = err.decode()
    log("after killing the helper: rc %d in %.2f s: %s" % (cap.returncode, dt, err.strip()))
    check(cap.returncode != 0 and "signal 9" in err,
          "killed helper: non-zero exit and a clear error naming the signal")
    check(dt < 5, "killed helper: no hang (%.2f s)" % dt)
    try:
        export = json.loads(out)
    except ValueError:
        export = {}
    rows = find_rows(export, servers.HTTP_PORT)
    check(any((r.get("process") or {}).get("name") == "curl" for r in rows),
          "killed helper: the connection captured before is in the export")

    # ---- 3. stopping leaves no helper behind --------------------------------------------
    for how in ("SIGINT", "SIGKILL"):
        cap = ns.popen(helpertest.as_user("exec " + cmd), stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(START_WAIT)
        pids = helper_pids(stage)
        check(len(pids) == 1, "%s: a helper runs (%s)" % (how, pids))
        # su runs the command as its child: signal the capturing process itself
        kids = subprocess.run(["pgrep", "-P", str(cap.pid)], capture_output=True,
                              text=True).stdout.split()
        target = int(kids[0]) if kids else cap.pid
        os.kill(target, signal.SIGINT if how == "SIGINT" else signal.SIGKILL)
        try:
            cap.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cap.kill()
        gone = [helpertest.wait_gone(pid, 3) for pid in pids]
        check(all(g is not None and g < 1.5 for g in gone),
              "%s of the capturing process: no helper left (%s)" % (how, gone))
        if how == "SIGINT":
            check(cap.returncode == 0, "SIGINT: clean exit (rc %s)" % cap.returncode)

    # ---- 4. a setcap'd helper: started directly, no pkexec; without CAP_BPF it falls back
    #      to proc mode and says so -------------------------------------------------------
    import shutil
    if shutil.which("setcap"):
        caps_helper = stage.copy(helpertest.HELPER, "netlens-capture-caps")
        subprocess.run(["setcap", "cap_net_raw,cap_net_admin=ep", caps_helper], check=True)
        helpertest.remove_test_action()  # no polkit involved at all
        export_file = tempfile.TemporaryFile()
        cap = ns.popen(helpertest.as_user("exec env NETLENS_HELPER=%s %s --interface lo "
                                          "--duration 6" % (caps_helper, stage.live_test)),
                       stdin=subprocess.DEVNULL, stdout=export_file, stderr=subprocess.PIPE)
        time.sleep(START_WAIT)
        ns.run(helpertest.as_user(servers.CLIENTS["http"]), stdin=subprocess.DEVNULL,
               timeout=30)
        _, err = cap.communicate(timeout=60)
        export_file.seek(0)
        try:
            export = json.loads(export_file.read())
        except ValueError:
            export = {}
        err = err.decode()
        log("setcap helper: rc %d: %s" % (cap.returncode, err.strip()))
        check(cap.returncode == 0, "setcap helper: capture without pkexec exits 0")
        check("eBPF process attribution is unavailable" in err,
              "setcap helper without CAP_BPF: the fallback to proc mode is reported")
        check(bool(find_rows(export, servers.HTTP_PORT)),
              "setcap helper: the connection was captured")
    else:
        log("setcap not installed: the file-capability path is not tested")
finally:
    if srv:
        srv.close()
    helpertest.remove_test_action()
    ns.close()
    stage.close()
    polkit.close()

print("%d failed" % len(failures))
sys.exit(1 if failures else 0)
