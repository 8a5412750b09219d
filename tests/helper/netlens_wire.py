# netlens_wire.py: an independent reader of the netlens-capture stream, for the tests
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Written from the format description in src/wire/netlens-wire.h, not from its C code,
# so that the two implementations check each other.

import ipaddress
import struct

HELLO, PACKET, OWNER, STATS, ERROR, LOCAL_ADDRESSES = 1, 2, 3, 4, 5, 6
MAGIC = 0x46434C4E
ATTRIBUTION = {0: "bpf", 1: "proc", 2: "none"}


class WireError(Exception):
    pass


def _str(buf, off):
    (n,) = struct.unpack_from("<H", buf, off)
    off += 2
    if off + n > len(buf):
        raise WireError("string past the end of the frame")
    return buf[off:off + n].decode("utf-8", "replace"), off + n


def _addr(family, raw):
    if family == 4:
        return str(ipaddress.IPv4Address(bytes(raw[:4])))
    return str(ipaddress.IPv6Address(bytes(raw[:16])))


def parse_frame(ftype, payload):
    """Returns a dict for one frame."""
    if ftype == HELLO:
        magic, version, attribution, requested, link_type, snaplen, probes, netns, pid = \
            struct.unpack_from("<IHBBiIIQI", payload, 0)
        if magic != MAGIC:
            raise WireError("bad magic")
        off = struct.calcsize("<IHBBiIIQI")
        interface, off = _str(payload, off)
        note, off = _str(payload, off)
        return dict(type="hello", version=version, attribution=ATTRIBUTION.get(attribution),
                    requested=ATTRIBUTION.get(requested), link_type=link_type,
                    snaplen=snaplen, probes=probes, netns=netns, pid=pid,
                    interface=interface, note=note)
    if ftype == PACKET:
        ts, caplen, origlen = struct.unpack_from("<qII", payload, 0)
        data = payload[16:]
        if len(data) != caplen:
            raise WireError("packet length mismatch")
        return dict(type="packet", ts_us=ts, caplen=caplen, origlen=origlen, data=data)
    if ftype == OWNER:
        proto, family, source, _r, lport, rport = struct.unpack_from("<BBBBHH", payload, 0)
        laddr = payload[8:24]
        raddr = payload[24:40]
        netns, uid, pid, tid, first = struct.unpack_from("<QIIIq", payload, 40)
        off = 40 + struct.calcsize("<QIIIq")
        comm, off = _str(payload, off)
        cmdline, off = _str(payload, off)
        exe, off = _str(payload, off)
        cgroup, off = _str(payload, off)
        return dict(type="owner", proto={6: "tcp", 17: "udp"}.get(proto, proto),
                    family=family, source=source, lport=lport, rport=rport,
                    laddr=_addr(family, laddr), raddr=_addr(family, raddr), netns=netns,
                    uid=uid, pid=pid, tid=tid, first_seen_us=first, comm=comm,
                    cmdline=cmdline, exe=exe, cgroup=cgroup)
    if ftype == STATS:
        ts, recv, drop, ifdrop, lost, sent = struct.unpack_from("<qQQQQQ", payload, 0)
        return dict(type="stats", ts_us=ts, received=recv, dropped=drop, ifdropped=ifdrop,
                    owner_events_lost=lost, packets_sent=sent)
    if ftype == ERROR:
        (code,) = struct.unpack_from("<I", payload, 0)
        primary, off = _str(payload, 4)
        secondary, off = _str(payload, off)
        return dict(type="error", code=code, primary=primary, secondary=secondary)
    if ftype == LOCAL_ADDRESSES:
        (n,) = struct.unpack_from("<I", payload, 0)
        addrs = []
        for i in range(n):
            fam, plen = struct.unpack_from("<BB", payload, 4 + 18 * i)
            addrs.append((_addr(fam, payload[6 + 18 * i:22 + 18 * i]), plen))
        return dict(type="addresses", addresses=addrs)
    raise WireError("unknown frame type %d" % ftype)


class Reader:
    """Incremental: feed() bytes, frames() yields complete frames."""

    def __init__(self):
        self.buf = bytearray()

    def feed(self, data):
        self.buf += data

    def frames(self):
        while len(self.buf) >= 8:
            ftype, reserved, length = struct.unpack_from("<HHI", self.buf, 0)
            if reserved != 0 or length > 300000:
                raise WireError("bad frame header")
            if len(self.buf) < 8 + length:
                return
            payload = bytes(self.buf[8:8 + length])
            del self.buf[:8 + length]
            yield parse_frame(ftype, payload)
