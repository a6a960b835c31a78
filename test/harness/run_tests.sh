#!/usr/bin/env bash
# make test: the whole suite in one command.
#   dependencies -> PGXS build, staged install -> unit tests (GoogleTest/ctest)
#   -> throw-away cluster (pg_cron,realmap preloaded) -> pg_regress -> pgTAP
#   -> end-to-end scripts -> simulator tests -> teardown -> "N passed, N failed".
# Works from a clone anywhere, as root (the server runs as user postgres) or as an
# ordinary user.  KEEP=1 keeps the work directory for inspection.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
. test/harness/common.sh

PASS=0 FAIL=0
declare -a FAILED_SUITES=()
# which tests failed, repeated at the very end: a CI log often keeps only its tail.
# The TAP lines: a failed test's diagnostics and prove's summary (an expected failure
# prints "# Failed (TODO) test", which this does not match)
FAILURE_DIGEST=
TAP_FAILURE_LINES='^# +Failed test [0-9]+|^not ok |^[^ #].* \(Wstat: |^  (Failed tests?|Parse errors|Non-zero exit)'
remember_failures() {  # remember_failures SUITE LOG [PATTERN]: its lines that name a failed test
  FAILURE_DIGEST+=$(grep -iE "${3:-$TAP_FAILURE_LINES}" "$2" | head -20 | sed "s|$ROOT/||; s|^|  $1: |")$'\n'
}
count() {  # count SUITE PASSED FAILED
  PASS=$((PASS + $2)); FAIL=$((FAIL + $3))
  [ "$3" != 0 ] && FAILED_SUITES+=("$1 ($3)")
  return 0
}

cleanup() {
  set +e
  [ -n "${SIM_PID:-}" ] && kill "$SIM_PID" 2>/dev/null
  remove_workdir
}
trap cleanup EXIT
trap 'echo "interrupted"; exit 130' INT TERM

# ------------------------------------------------------------------ dependencies
ensure_packages || exit 1
phase "dependencies"

# ------------------------------------------------------------------ build
make_workdir
build_and_stage "$ROOT" || { echo "build failed"; exit 1; }
# project code builds without warnings (the CMake build of the tests uses -Werror)
if grep -q 'warning:' "$WORK/build.log"; then count "build (warnings)" 0 1; fi
make -C "$ROOT" -s core-lib PG_CONFIG="$PG_CONFIG" >>"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
phase "build + stage"

# ------------------------------------------------------------------ unit tests
BUILD_DIR=$WORK/cmake
# against the core library of the build above, compiled once and optimised; the test
# code itself is compiled without optimisation or debug info, which builds faster
if cmake -S "$ROOT" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=None -DCMAKE_CXX_FLAGS=-O0 \
         -DREALMAP_PREBUILT_CORE="$ROOT/build/pgxs/librealmap_core.a" >"$WORK/cmake.log" 2>&1 &&
   cmake --build "$BUILD_DIR" -j"$(nproc)" >>"$WORK/cmake.log" 2>&1; then
  ctest --test-dir "$BUILD_DIR" -j"$(nproc)" --output-on-failure 2>&1 | tee "$WORK/ctest.log" | grep -vE '^\s+(Start|[0-9]+/[0-9]+ Test)' 
  total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$WORK/ctest.log")
  failed=$(sed -n 's/.* \([0-9]*\) tests failed out of.*/\1/p' "$WORK/ctest.log")
  count "unit" $(( ${total:-0} - ${failed:-0} )) "${failed:-1}"
  [ "${failed:-1}" != 0 ] && remember_failures unit "$WORK/ctest.log" '^\s+[0-9]+ - .*\((Failed|Timeout|SEGFAULT|Subprocess aborted|Exception)\)$'
else
  cat "$WORK/cmake.log"; count "unit (build)" 0 1
fi
phase "unit tests"

# ------------------------------------------------------------------ cluster
CLUSTER=$WORK/main
init_cluster "$CLUSTER" "pg_cron,realmap" \
  "cron.database_name = 'realmap_test'" \
  "realmap.database_name = 'realmap_test'" || exit 1
start_cluster "$CLUSTER" || exit 1
export PGHOST=$CLUSTER PGPORT=$(cluster_port "$CLUSTER") PGUSER=postgres
psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "CREATE DATABASE realmap_test" >/dev/null || exit 1
psql -X -q -v ON_ERROR_STOP=1 -d realmap_test \
  -c "CREATE EXTENSION pg_cron" -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION realmap" >/dev/null || exit 1
phase "cluster start"

# ------------------------------------------------------------------ pg_regress
PG_REGRESS=$(dirname "$($PG_CONFIG --pgxs)")/../../src/test/regress/pg_regress
REGRESS_TESTS=$(make -s -C "$ROOT" PG_CONFIG="$PG_CONFIG" print-regress 2>/dev/null)
"$PG_REGRESS" --inputdir="$ROOT" --outputdir="$WORK/regress" --bindir="$PGBIN" \
  --dbname=contrib_regression $REGRESS_TESTS 2>&1 | tee "$WORK/regress.log"
n_ok=$(grep -cE '\.\.\. ok' "$WORK/regress.log")
n_bad=$(grep -ciE '\.\.\. failed' "$WORK/regress.log")
[ "$n_ok$n_bad" = "00" ] && n_bad=1
[ -f "$WORK/regress/regression.diffs" ] && head -100 "$WORK/regress/regression.diffs"
count "pg_regress" "$n_ok" "$n_bad"
[ "$n_bad" != 0 ] && remember_failures pg_regress "$WORK/regress.log" '\.\.\. FAILED'
phase "pg_regress"

# ------------------------------------------------------------------ pgTAP and end-to-end
# prove_suite NAME PROVE-ARGS...: runs prove/pg_prove and counts its tests.
prove_suite() {
  local name=$1; shift
  "$@" 2>&1 | tee "$WORK/$name.log"
  local rc=${PIPESTATUS[0]}
  local tests failed
  tests=$(sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' "$WORK/$name.log")
  failed=$(grep -oE 'Failed [0-9]+/[0-9]+ subtests' "$WORK/$name.log" | awk '{ split($2, a, "/"); s += a[1] } END { print s + 0 }')
  tests=${tests:-0}
  # a file that died before its plan counts as one failure
  if [ "$rc" != 0 ] && [ "$failed" = 0 ]; then failed=1; fi
  count "$name" $((tests - failed > 0 ? tests - failed : 0)) "$failed"
  [ "$failed" != 0 ] && remember_failures "$name" "$WORK/$name.log"
  return 0
}
export REALMAP_ROOT=$ROOT WORK STAGE PGBIN PG_CONFIG PGOSUSER
prove_suite pgtap pg_prove -d realmap_test "$ROOT"/test/pgtap/*.sql
phase "pgTAP"
# the fuzz targets (libFuzzer, ASan + UBSan + leak detection) run beside the
# end-to-end scripts, which mostly wait on their servers
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_OUT=$WORK/fuzz bash "$ROOT/test/fuzz/run.sh" "$FUZZ_SECONDS" >"$WORK/fuzz.log" 2>&1 &
FUZZ_PID=$!
# so do the simulator's own tests (their timing asserts are lower bounds only)
PORTAL_PID=
if [ -d "$ROOT/test/portal" ] && ls "$ROOT"/test/portal/test_*.py >/dev/null 2>&1; then
  (cd "$ROOT" && python3 -m unittest discover -s test/portal -t . -p 'test_*.py') >"$WORK/portal.log" 2>&1 &
  PORTAL_PID=$!
fi
# two at a time (each script has its own cluster and simulator), the two longest (the
# whole pipeline, clean and under faults) first, the short ones filling in after them
E2E_LONGEST="$ROOT/test/e2e/pipeline_etl.sh $ROOT/test/e2e/reliability_faults.sh"
prove_suite e2e prove -j2 --timer --failures --comments $E2E_LONGEST \
  $(ls "$ROOT"/test/e2e/*.sh | grep -vxF -e "${E2E_LONGEST% *}" -e "${E2E_LONGEST#* }")
phase "end-to-end"
wait "$FUZZ_PID"; fuzz_rc=$?
cat "$WORK/fuzz.log" | grep -vE '^compile |^link '
fuzz_ok=$(grep -c '^ok ' "$WORK/fuzz.log"); fuzz_bad=$(grep -c '^FAIL ' "$WORK/fuzz.log")
[ "$fuzz_rc" != 0 ] && [ "$fuzz_bad" = 0 ] && fuzz_bad=1
count "fuzz" "$fuzz_ok" "$fuzz_bad"
[ "$fuzz_bad" != 0 ] && remember_failures fuzz "$WORK/fuzz.log" '^FAIL '
phase "fuzz (${FUZZ_SECONDS} s a target)"

# ------------------------------------------------------------------ simulator
if [ -n "$PORTAL_PID" ]; then
  wait "$PORTAL_PID"
  tail -5 "$WORK/portal.log"
  ran=$(sed -n 's/^Ran \([0-9]*\) tests\{0,1\}.*/\1/p' "$WORK/portal.log")
  bad=$(sed -n 's/^FAILED (\(.*\))/\1/p' "$WORK/portal.log" | grep -oE '(failures|errors)=[0-9]+' | awk -F= '{ s += $2 } END { print s + 0 }')
  [ -z "$ran" ] && { ran=0; bad=1; }
  [ "$bad" != 0 ] && grep -vE '^(ok|\.+)$' "$WORK/portal.log" | head -80
  count "simulator" $((ran - bad)) "$bad"
  [ "$bad" != 0 ] && remember_failures simulator "$WORK/portal.log" '^(FAIL|ERROR): '
  phase "simulator (beside the end-to-end scripts)"
fi

# ------------------------------------------------------------------ teardown
cleanup; trap - EXIT
phase "teardown"
[ -n "$FAILURE_DIGEST" ] && printf 'failed tests:\n%s' "$FAILURE_DIGEST"
[ ${#FAILED_SUITES[@]} -gt 0 ] && echo "failures in: ${FAILED_SUITES[*]}"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" = 0 ]
