# servers.py: real servers inside a test network namespace (DESIGN/NOTES 7a-7d)
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later

import os
import shutil
import subprocess
import time

HTTP_PORT = 18080
TLS_PORT = 18443
DNS_PORT = 15353
SSH_PORT = 12222


def _wait_port(ns, port, proto="tcp", timeout=10):
    flag = "-ltn" if proto == "tcp" else "-lun"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = ns.run(["ss", "-H", flag, "sport = :%d" % port], capture_output=True, text=True)
        if r.stdout.strip():
            return True
        time.sleep(0.05)
    return False


class Servers:
    """nginx (HTTP), openssl s_server (TLS), dnsmasq (DNS), sshd (SSH) on 127.0.0.1 of NS.
    Only what is installed starts; self.available lists it."""

    def __init__(self, ns, workdir, want=("http", "tls", "dns", "ssh")):
        self.ns = ns
        self.dir = os.path.join(workdir, "servers")
        os.makedirs(self.dir, exist_ok=True)
        self.procs = []
        self.available = []
        self.logs = open(os.path.join(self.dir, "servers.log"), "ab")
        # an empty configuration of our own: a benchmark writing "--output /dev/null" through
        # a rename has been seen to turn /dev/null into a regular file on this machine
        self.empty = os.path.join(self.dir, "empty.conf")
        open(self.empty, "w").close()
        if "http" in want and shutil.which("nginx"):
            self._nginx()
        if "tls" in want and shutil.which("openssl"):
            self._tls()
        if "dns" in want and shutil.which("dnsmasq"):
            self._dns()
        if "ssh" in want and os.path.exists("/usr/sbin/sshd"):
            self._ssh()

    def _start(self, name, argv, port, proto="tcp"):
        p = self.ns.popen(argv, stdin=subprocess.DEVNULL, stdout=self.logs, stderr=self.logs)
        self.procs.append(p)
        if _wait_port(self.ns, port, proto):
            self.available.append(name)
        else:
            print("# %s did not start (see %s)" % (name, self.logs.name), flush=True)

    def _nginx(self):
        d = self.dir
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            os.makedirs(os.path.join(d, sub), exist_ok=True)
        conf = os.path.join(d, "nginx.conf")
        with open(conf, "w") as f:
            f.write("""worker_processes 1;
daemon off;
pid %(d)s/nginx.pid;
error_log %(d)s/nginx-error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path %(d)s/body;
  proxy_temp_path %(d)s/proxy;
  fastcgi_temp_path %(d)s/fastcgi;
  uwsgi_temp_path %(d)s/uwsgi;
  scgi_temp_path %(d)s/scgi;
  server {
    listen 127.0.0.1:%(port)d;
    location / { return 200 "netlens test\\n"; }
  }
}
""" % {"d": d, "port": HTTP_PORT})
        self._start("http", ["nginx", "-c", conf, "-p", d], HTTP_PORT)

    def _tls(self):
        cert = os.path.join(self.dir, "cert.pem")
        key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                        "-subj", "/CN=sni.example.test", "-keyout", key, "-out", cert],
                       capture_output=True, check=True)
        self._start("tls", ["openssl", "s_server", "-accept", "127.0.0.1:%d" % TLS_PORT,
                            "-cert", cert, "-key", key, "-www", "-quiet"], TLS_PORT)

    def _dns(self):
        self._start("dns", ["dnsmasq", "--no-daemon", "--conf-file=" + self.empty,
                            "--listen-address=127.0.0.1", "--port=%d" % DNS_PORT,
                            "--bind-interfaces", "--no-resolv", "--no-hosts",
                            "--address=/dns.example.test/127.0.0.53", "--user=root"],
                    DNS_PORT, "udp")

    def _ssh(self):
        key = os.path.join(self.dir, "ssh_host_ed25519_key")
        if not os.path.exists(key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key],
                           check=True)
        os.makedirs("/run/sshd", exist_ok=True)
        self._start("ssh", ["/usr/sbin/sshd", "-D", "-e", "-f", self.empty,
                            "-o", "ListenAddress=127.0.0.1:%d" % SSH_PORT,
                            "-o", "HostKey=" + key, "-o", "PidFile=none"], SSH_PORT)

    def close(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.logs.close()


# client command lines (as shell text, to run as any user)
CLIENTS = {
    "http": "curl -s -o /dev/null -H 'Host: flows.example.test' http://127.0.0.1:%d/" % HTTP_PORT,
    "tls": "echo | openssl s_client -connect 127.0.0.1:%d -servername sni.example.test "
           "-brief >/dev/null 2>&1" % TLS_PORT,
    "dns": "dig @127.0.0.1 -p %d +short +tries=1 +timeout=2 dns.example.test >/dev/null"
           % DNS_PORT,
    "ssh": "ssh -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
           "-o UpdateHostKeys=no "
           "-o ConnectTimeout=5 -p %d nobody@127.0.0.1 true >/dev/null 2>&1" % SSH_PORT,
}
