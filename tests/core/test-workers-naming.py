#!/usr/bin/python3
# test-workers-naming.py: the export is the same with 1 and with 4 workers, passive DNS
# names included (issue 17: answers parsed on one worker used to race with the
# connections they name on another; the reader thread now feeds the name cache in capture
# order and lookups are "as of" each packet's time).
#
# Inputs: a generated mix (DNS query/response pairs followed by connections to the
# answered addresses, netlens-gen-capture) and the corpus captures with DNS in them.  Rows are
# compared as sets (with several workers they end, and are written, in another order).
#
# SPDX-License-Identifier: GPL-3.0-or-later
import json
import os
import subprocess
import sys
import tempfile

netlens, gen = sys.argv[1], sys.argv[2]
corpus = os.environ.get("NETLENS_CORPUS", "")
tests = []


def export(path, workers, out):
    subprocess.run([netlens, "--read", path, "--export", "json", "--output", out,
                    "--workers", str(workers)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    with open(out, encoding="utf-8") as f:
        doc = json.load(f)
    return doc


def rows(doc):
    return sorted(json.dumps(c, sort_keys=True) for c in doc["connections"])


with tempfile.TemporaryDirectory() as tmp:
    mix = os.path.join(tmp, "mix.pcap")
    subprocess.run([gen, "-q", "-o", mix, "-n", "30000", "-f", "1500", "-K", "300", "-s", "7"],
                   check=True)
    inputs = [mix]
    cap_dir = os.path.join(corpus, "captures")
    if os.path.isdir(cap_dir):
        inputs += sorted(os.path.join(cap_dir, n) for n in os.listdir(cap_dir) if "dns" in n)
    elif os.environ.get("CI") == "true":
        print("not ok 1 - the capture corpus is missing and CI=true")
        sys.exit(1)

    for path in inputs:
        name = os.path.basename(path)
        one = export(path, 1, os.path.join(tmp, "one.json"))
        four = export(path, 4, os.path.join(tmp, "four.json"))
        a, b = rows(one), rows(four)
        ok = a == b and one["stats"] == four["stats"]
        detail = ""
        if not ok:
            only1 = sorted(set(a) - set(b))[:1]
            only4 = sorted(set(b) - set(a))[:1]
            detail = f" (1 worker only: {only1}; 4 workers only: {only4})"
        tests.append((ok, f"{name}: {len(a)} rows, the same with --workers 1 and 4{detail}"))
        if path == mix:
            named = sum(1 for c in one["connections"] if c["names"]["dns"])
            # the generator's TLS/HTTP/QUIC connections follow a DNS answer for their server
            tests.append((named >= 150, f"{name}: {named} rows named by passive DNS"))

print(f"1..{len(tests)}")
for i, (ok, what) in enumerate(tests, 1):
    print(f"{'ok' if ok else 'not ok'} {i} - {what}")
sys.exit(0 if all(ok for ok, _ in tests) else 1)
