#!/usr/bin/env bash
# make bench: runs every benchmark under test/bench/ and prints its report.  The
# benchmarks print ratios side by side from one run; they assert nothing about time.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
status=0
ran=0
for b in test/bench/bench_*.sh test/bench/*_load.py; do
  [ -e "$b" ] || continue
  echo "=== $b"
  case $b in
    *.py) python3 "$b" || status=1 ;;
    *) bash "$b" || status=1 ;;
  esac
  ran=$((ran + 1))
done
[ "$ran" = 0 ] && echo "no benchmarks yet"
exit $status
