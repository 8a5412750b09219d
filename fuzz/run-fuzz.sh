#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-fuzz.sh EXE NAME SECONDS: one bounded libFuzzer run of fuzz target NAME (a meson test
# in suite 'fuzz').  Seeds: the ones cut from the corpus (NETLENS_FUZZ_SEEDS/NAME), the
# committed ones (fuzz/seeds/NAME) and every regression input (tests/reliability/regressions/
# NAME).  New inputs go to NETLENS_FUZZ_WORK/NAME/corpus, crashes to .../artifacts/.
# NETLENS_FUZZ_SECONDS overrides SECONDS.  The run uses a fixed seed (NETLENS_FUZZ_SEED,
# default 1), so that the test command explores the same way every time and a failure in CI
# is reproducible; tools/fuzz-long explores with fresh seeds, and what it finds becomes a
# regression input (tests/reliability/regressions/).  Exit status: libFuzzer's (non-zero on a crash,
# leak, timeout or out-of-memory).
set -eu

exe=$1
name=$2
seconds=${NETLENS_FUZZ_SECONDS:-$3}
work=${NETLENS_FUZZ_WORK:?}/$name
mkdir -p "$work/corpus" "$work/artifacts"

set -- "$work/corpus"
for d in "${NETLENS_FUZZ_SEEDS:-}/$name" "${NETLENS_FUZZ_COMMITTED:-}/$name" \
         "${NETLENS_FUZZ_REGRESSIONS:-}/$name"; do
  [ -d "$d" ] && set -- "$@" "$d"
done

# GLib's slice allocator and fatal warnings stay as the test environment sets them; leaks
# are checked by libFuzzer itself after each input.
exec "$exe" -seed="${NETLENS_FUZZ_SEED:-1}" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -max_len=262144 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@"
