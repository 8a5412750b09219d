#!/usr/bin/python3
# test-quic-migration.py: a QUIC connection that moves to a new client port half-way
# through its handshake (NAT rebinding, migration) joins its first row's DPI results:
# the new row is recognised as QUIC and carries the SNI learned on the old path.
#
# The input is the corpus capture retina-quic_xargs.pcap with the client's port
# rewritten from the fourth packet on (the client's Handshake, whose destination
# connection ID is the server's, learned from the server's first packet).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import struct
import subprocess
import sys
import tempfile

netlens = os.environ["NETLENS_BIN"]
corpus = os.environ.get("NETLENS_CORPUS", "")
src = os.path.join(corpus, "captures", "retina-quic_xargs.pcap")
if not os.path.exists(src):
    if os.environ.get("CI") == "true":
        print("not ok 1 - the capture corpus is missing and CI=true")
        sys.exit(1)
    print("1..0 # SKIP no capture corpus (NETLENS_CORPUS)")
    sys.exit(0)

data = open(src, "rb").read()
assert struct.unpack("<I", data[:4])[0] == 0xa1b2c3d4, "a little-endian microsecond pcap"
out = bytearray(data[:24])
off, index, client_port, new_port = 24, 0, None, 40404
while off + 16 <= len(data):
    caplen = struct.unpack("<I", data[off + 8:off + 12])[0]
    frame = bytearray(data[off + 16:off + 16 + caplen])
    ihl = (frame[14] & 0x0f) * 4
    udp = 14 + ihl
    sport, dport = struct.unpack(">HH", frame[udp:udp + 4])
    if client_port is None:
        client_port = sport
    if index >= 3:
        if sport == client_port:
            frame[udp:udp + 2] = struct.pack(">H", new_port)
        elif dport == client_port:
            frame[udp + 2:udp + 4] = struct.pack(">H", new_port)
        frame[udp + 6:udp + 8] = b"\0\0"  # no UDP checksum
    out += data[off:off + 16] + frame
    off += 16 + caplen
    index += 1

with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "migrated.pcap")
    open(path, "wb").write(out)
    failed = 0
    tests = []

    def check(ok, what):
        global failed
        tests.append((ok, what))
        if not ok:
            failed += 1

    for workers in ("1", "2"):
        r = subprocess.run([netlens, "--read", path, "--export", "json", "--workers", workers],
                           capture_output=True, text=True)
        check(r.returncode == 0, "workers %s: netlens exits 0 (%d %s)" % (workers, r.returncode, r.stderr.strip()))
        rows = json.loads(r.stdout)["connections"] if r.returncode == 0 else []
        udp = [c for c in rows if c["protocol"] == "udp"]
        ports = sorted(p for c in udp for p in (c["local"]["port"], c["remote"]["port"]))
        check(len(udp) == 2 and new_port in ports and client_port in ports,
              "workers %s: two rows, the old client port %d and the new %d (%s)" % (workers, client_port, new_port, ports))
        moved = [c for c in udp if new_port in (c["local"]["port"], c["remote"]["port"])]
        if moved:
            c = moved[0]
            check(c["app"] == "quic" and c["state"].startswith("QUIC_"),
                  "workers %s: the new path is QUIC (%s, %s)" % (workers, c["app"], c["state"]))
            check(c["names"]["sni"] == "example.ulfheim.net",
                  "workers %s: the new path carries the SNI of the old one (%s)" % (workers, c["names"]["sni"]))
        else:
            check(False, "workers %s: a row for the new path" % workers)

    print("1..%d" % len(tests))
    for i, (ok, what) in enumerate(tests, 1):
        print("%s %d - %s" % ("ok" if ok else "not ok", i, what))
    sys.exit(1 if failed else 0)
