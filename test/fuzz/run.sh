#!/usr/bin/env bash
# Builds the libFuzzer targets (listing_fuzz, extract_fuzz) with clang++-14 and
# AddressSanitizer + UndefinedBehaviorSanitizer, then runs both at once for SECONDS each (default 60).
# Exits non-zero on any crash, leak, UB report, timeout or out-of-memory, leaving the
# input that caused it in the output directory.  `make test` runs it (60 s) beside the
# end-to-end scripts; `make fuzz` alone.
#
#   test/fuzz/run.sh [SECONDS]          # environment: FUZZ_OUT (default /tmp/realmap-fuzz),
#                                       # CXX (default clang++-14)
#
# The seed corpus (test/fuzz/corpus/<target>/) is read, never written: new inputs go
# to $FUZZ_OUT/corpus/<target>/, which later runs reuse.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${FUZZ_OUT:-/tmp/realmap-fuzz}"
cxx="${CXX:-clang++-14}"

command -v "$cxx" >/dev/null || { echo "run.sh: $cxx not found" >&2; exit 2; }
mkdir -p "$out/obj"

common=(-std=c++17 -g -O1 -fno-omit-frame-pointer -I"$root/src"
        -fsanitize=address,undefined -fno-sanitize-recover=all)

# The core sources the targets need (the HTML layer, the listing parser, the detail
# extractor), compiled once, instrumented for coverage but without libFuzzer's main.
sources=("$root/src/core/error.cpp" "$root"/src/core/html/*.cpp "$root"/src/core/listing/*.cpp
         "$root"/src/core/extract/*.cpp)
objects=()
for src in "${sources[@]}"; do
    obj="$out/obj/$(basename "${src%.cpp}").o"
    if [[ ! -f "$obj" || "$src" -nt "$obj" || -n "$(find "$root/src/core" -name '*.hpp' -newer "$obj" -print -quit)" ]]; then
        echo "compile $(basename "$src")"
        "$cxx" "${common[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj"
    fi
    objects+=("$obj")
done

for target in listing extract; do
    echo "link ${target}_fuzz"
    "$cxx" "${common[@]}" -fsanitize=fuzzer "$root/test/fuzz/${target}_fuzz.cpp" "${objects[@]}" \
        -lgumbo -o "$out/${target}_fuzz"
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

# both targets at once (one core each), then their results in order
pids=()
for target in listing extract; do
    mkdir -p "$out/corpus/$target"
    echo "fuzz ${target} for ${seconds}s"
    "$out/${target}_fuzz" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 \
        -artifact_prefix="$out/${target}-" "$out/corpus/$target" "$root/test/fuzz/corpus/$target" \
        > "$out/${target}.log" 2>&1 &
    pids+=($!)
done
status=0
i=0
for target in listing extract; do
    if ! wait "${pids[$i]}"; then
        echo "FAIL ${target}: see $out/${target}.log and $out/${target}-*" >&2
        tail -n 40 "$out/${target}.log" >&2
        status=1
    else
        grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/${target}.log" | sed "s/^/  ${target} /"
        echo "ok ${target}"
    fi
    i=$((i + 1))
done
exit "$status"
