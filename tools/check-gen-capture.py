#!/usr/bin/python3
# check-gen-capture.py: netlens-gen-capture's ground truth against tshark
#
# Copyright 2026 The Netlens authors
#
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: check-gen-capture.py GENERATOR WORKDIR
# Generates a small mix and a small SYN flood, then checks that an independent
# dissector (tshark, which also decrypts the QUIC Initials) finds exactly the
# SNIs, Hosts, DNS queries, SSH banners and TCP conversations the truth file
# promises, and that no IP, TCP, UDP or ICMP checksum is wrong.  Exit 77
# (skip) when tshark is not installed.

import collections
import json
import os
import shutil
import subprocess
import sys

failures = []


def check(what, got, want):
    status = 'ok' if got == want else 'FAIL'
    print(f'{status}: {what}: tshark {got}, truth {want}')
    if got != want:
        failures.append(what)


def tshark(path, *args):
    out = subprocess.run(['tshark', '-n', '-r', path, *args], check=True,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    return out.stdout.splitlines()


def generate(gen, path, *args):
    subprocess.run([gen, '-q', '-o', path, *args], check=True)
    with open(path + '.truth.json', encoding='utf-8') as f:
        return json.load(f)


def check_mix(gen, workdir):
    path = os.path.join(workdir, 'mix.pcap')
    truth = generate(gen, path, '-n', '30000', '-f', '1500', '-K', '300', '-s', '7',
                     '--truth-flows')
    # one pass: the fields that answer every question
    rows = tshark(path, '-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE',
                  '-o', 'udp.check_checksum:TRUE',
                  '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=f',
                  '-e', 'frame.protocols', '-e', 'tls.handshake.type',
                  '-e', 'tls.handshake.extensions_server_name', '-e', 'http.host',
                  '-e', 'dns.flags.response', '-e', 'dns.qry.name', '-e', 'ssh.protocol',
                  '-e', 'ip.checksum.status', '-e', 'tcp.checksum.status',
                  '-e', 'udp.checksum.status', '-e', 'icmp.checksum.status',
                  '-e', 'icmpv6.checksum.status')
    count = collections.Counter()
    sni = collections.Counter()
    for row in rows:
        (protos, hs_type, server_name, host, dns_resp, qname, ssh,
         ip_ck, tcp_ck, udp_ck, icmp_ck, icmp6_ck) = row.split('|')
        count['packets'] += 1
        if hs_type == '1' and server_name:
            kind = 'quic' if ':quic' in protos else 'tls'
            count[kind + '_sni'] += 1
            sni[server_name] += 1
        if hs_type == '2':
            count['server_hello'] += 1
        if host:
            count['http_host'] += 1
        if dns_resp == '0' and qname:
            count['dns_queries'] += 1
        if dns_resp == '1':
            count['dns_responses'] += 1
        if ssh.startswith('SSH-'):
            count['ssh_banners'] += 1
        # Wireshark's checksum status: 0 bad, 1 good, 2 unverified
        for ck in (ip_ck, tcp_ck, udp_ck, icmp_ck, icmp6_ck):
            if ck == '0':
                count['bad_checksums'] += 1
            if ck == '1':
                count['good_checksums'] += 1

    check('packets', count['packets'], truth['packets'])
    check('TLS ClientHellos with SNI', count['tls_sni'], truth['tls_sni'])
    check('QUIC Initials decrypted with SNI', count['quic_sni'], truth['quic_sni'])
    check('ServerHellos (TLS + QUIC)', count['server_hello'],
          truth['tls_server_hello'] + truth['quic_server_initials'])
    check('HTTP requests with Host', count['http_host'], truth['http_host'])
    check('DNS queries', count['dns_queries'], truth['dns_queries'])
    check('DNS responses', count['dns_responses'], truth['dns_responses'])
    check('SSH banners (both sides)', count['ssh_banners'], 2 * truth['ssh_banners'])
    check('bad checksums', count['bad_checksums'], 0)
    check('checksums verified', count['good_checksums'] > truth['packets'], True)

    listed = collections.Counter(f['sni'] for f in truth['flow_list'] if 'sni' in f)
    check('SNI names match the flow list', sni == listed, True)

    conv = [l for l in tshark(path, '-q', '-z', 'conv,tcp') if '<->' in l]
    check('TCP conversations', len(conv), truth['connections_by_protocol']['tcp'])


def check_flood(gen, workdir):
    path = os.path.join(workdir, 'flood.pcap')
    truth = generate(gen, path, '--syn-flood', '20000', '-s', '3')
    conv = [l for l in tshark(path, '-q', '-z', 'conv,tcp') if '<->' in l]
    check('flood: TCP conversations', len(conv), truth['connections_by_protocol']['tcp'])
    names = set(tshark(path, '-Y', 'tls.handshake.type == 1 || http.request',
                       '-T', 'fields', '-e', 'tls.handshake.extensions_server_name',
                       '-e', 'http.host'))
    names = {n.strip() for n in names if n.strip()}
    want = {f.get('sni') or f.get('http_host') for f in truth['flow_list']
            if f.get('sni') or f.get('http_host')}
    check('flood: SNIs and Hosts of the real connections', sorted(names), sorted(want))
    syns = tshark(path, '-Y', 'tcp.flags.syn == 1 && tcp.flags.ack == 0 && ip.dst == 198.19.0.80'
                  ' || tcp.flags.syn == 1 && tcp.flags.ack == 0 && ipv6.dst == 2001:2:0:2::50')
    check('flood: SYNs to the victims', len(syns), truth['syn_flood']['spoofed_syns'])


def main():
    if len(sys.argv) != 3:
        print(__doc__ or 'usage: check-gen-capture.py GENERATOR WORKDIR', file=sys.stderr)
        return 2
    if shutil.which('tshark') is None:
        print('SKIP: tshark is not installed')
        return 77
    gen, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    check_mix(gen, workdir)
    check_flood(gen, workdir)
    if failures:
        print(f'{len(failures)} checks failed: {", ".join(failures)}')
        return 1
    print('all checks passed')
    return 0


if __name__ == '__main__':
    sys.exit(main())
