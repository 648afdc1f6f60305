#!/usr/bin/env bash
# Objective: the lock rules of common/lock.h hold as the compiler sees them:
# every library source passes clang's -Wthread-safety analysis with warnings
# as errors (make check-thread-safety). Fails naming the file and the rule.
set -u
cd "$(dirname "$0")/.."
. tests/integration/lib/need.sh
need "${TSA_CC:-clang-14}" make
exec make --no-print-directory BUILD="${BUILD:-build}" check-thread-safety
