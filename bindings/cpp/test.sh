#!/usr/bin/env bash
# Builds and runs the C++ binding's tests, plain and under ASan/UBSan, plus the examples,
# then the way a C++ user depends on it: `make install PREFIX=<tmp>` and a CMake project
# outside the checkout (examples/CMakeLists.txt, find_package(fastgpt), fastgpt::cpp) that
# builds examples/quickstart.cpp and runs it against the dev server.
#
#   bash bindings/cpp/test.sh [filter]
#
# Assumes `make build` was run (target/release/libfastgpt.a, libfastgpt.so and
# target/release/fastgpt-devserver). Build outputs go to target/cpp/. Each test binary starts
# its own dev server. Prints "N passed, N failed" over all steps; exits 0 with SKIP when no
# C++ compiler is installed (the CMake step says SKIP alone when cmake is missing).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
CXX="${CXX:-c++}"
if ! command -v "$CXX" >/dev/null 2>&1; then
    echo "SKIP: no C++ compiler ($CXX) found"
    exit 0
fi

LIB="$ROOT/target/release/libfastgpt.a"
SERVER="$ROOT/target/release/fastgpt-devserver"
for f in "$LIB" "$SERVER"; do
    [[ -e "$f" ]] || { echo "missing $f: run 'cargo build --release --workspace' first" >&2; exit 1; }
done

OUT="$ROOT/target/cpp"
mkdir -p "$OUT"
FLAGS=(-std=c++17 -Wall -Wextra -Werror -pedantic -O1 -g -pthread -I"$ROOT/include" -I"$ROOT/bindings/cpp")
LIBS=("$LIB" -lpthread -ldl -lm)
FILTER="${1:-}"

total_pass=0
total_fail=0
t_start=$(date +%s)

# The header alone, with the strictest flags (and as a second translation unit's include).
echo "== header check"
printf '#include "fastgpt.hpp"\n#include "fastgpt.hpp"\nint fastgpt_hpp_check;\n' >"$OUT/hpp_check.cpp"
if "$CXX" "${FLAGS[@]}" -Wshadow -Wconversion -Wsign-conversion -fsyntax-only "$OUT/hpp_check.cpp"; then
    echo "PASS header (-Wshadow -Wconversion)"
    total_pass=$((total_pass + 1))
else
    echo "FAIL header"
    total_fail=$((total_fail + 1))
fi

echo "== build the examples"
for ex in chat quickstart attach; do
    if "$CXX" "${FLAGS[@]}" "bindings/cpp/examples/$ex.cpp" -o "$OUT/$ex" "${LIBS[@]}"; then
        echo "PASS examples/$ex.cpp builds"
        total_pass=$((total_pass + 1))
    else
        echo "FAIL examples/$ex.cpp"
        total_fail=$((total_fail + 1))
    fi
done

. "$ROOT/bindings/testlib.sh"

echo "== README"
for f in examples/quickstart.cpp examples/CMakeLists.txt; do
    if (cd bindings/cpp && testlib_readme_block README.md "$f"); then
        total_pass=$((total_pass + 1))
    else
        total_fail=$((total_fail + 1))
    fi
done

# quickstart's output: the streamed answer, then the records "[dataId] Human: ..." and
# "[dataId] AI: ...".
check_quickstart() {
    local bin="$1" what="$2" out
    out="$TESTLIB_TMP/quickstart-$RANDOM.txt"
    if FASTGPT_BASE_URL="$DEV_URL" timeout 60 "$bin" >"$out" 2>&1 &&
        grep -q '] Human: Hello! What can you do?$' "$out" && grep -q '] AI: .' "$out"; then
        echo "PASS $what"
        sed 's/^/    /' "$out"
        total_pass=$((total_pass + 1))
    else
        echo "FAIL $what; it printed:"
        sed 's/^/    /' "$out"
        total_fail=$((total_fail + 1))
    fi
}

echo "== quickstart (in-tree build)"
testlib_devserver
check_quickstart "$OUT/quickstart" "quickstart runs (static, in-tree)"

echo "== attach (upload, url + key in the message part, a fresh file URL)"
attach_out="$TESTLIB_TMP/attach.txt"
if FASTGPT_BASE_URL="$DEV_URL" timeout 60 "$OUT/attach" >"$attach_out" 2>&1 &&
    grep -q '^You said: What does the file say? \[file\]$' "$attach_out" &&
    grep -q '^download: http' "$attach_out"; then
    echo "PASS attach runs"
    sed 's/^/    /' "$attach_out"
    total_pass=$((total_pass + 1))
else
    echo "FAIL attach; it printed:"
    sed 's/^/    /' "$attach_out"
    total_fail=$((total_fail + 1))
fi

echo "== outside the checkout: make install, find_package(fastgpt), fastgpt::cpp"
if ! command -v cmake >/dev/null 2>&1; then
    echo "SKIP: cmake not installed"
else
    testlib_install
    proj="$TESTLIB_TMP/cmake-quickstart"
    mkdir -p "$proj"
    cp bindings/cpp/examples/CMakeLists.txt bindings/cpp/examples/quickstart.cpp "$proj/"
    if cmake -S "$proj" -B "$proj/build" -DCMAKE_PREFIX_PATH="$PREFIX_DIR" \
            -DCMAKE_CXX_COMPILER="$(command -v "$CXX")" \
            -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror -pedantic" >"$proj/configure.log" 2>&1 &&
        cmake --build "$proj/build" >"$proj/build.log" 2>&1; then
        echo "PASS cmake configure + build against $PREFIX_DIR"
        total_pass=$((total_pass + 1))
        # It must have used the installed shared library.
        # (ldd's output is matched whole: `ldd | grep -q` fails under pipefail when grep
        # exits at the first match and ldd gets SIGPIPE.)
        if [[ "$(ldd "$proj/build/quickstart")" == *"$PREFIX_DIR/lib/libfastgpt.so"* ]]; then
            echo "PASS quickstart links $PREFIX_DIR/lib/libfastgpt.so"
            total_pass=$((total_pass + 1))
        else
            echo "FAIL quickstart does not link the installed library:"
            ldd "$proj/build/quickstart" | sed 's/^/    /'
            total_fail=$((total_fail + 1))
        fi
        check_quickstart "$proj/build/quickstart" "quickstart runs (CMake, installed)"
        # The same project with fastgpt::cpp_static: no run-time dependency on the .so.
        sproj="$TESTLIB_TMP/cmake-quickstart-static"
        mkdir -p "$sproj"
        cp bindings/cpp/examples/quickstart.cpp "$sproj/"
        sed 's/fastgpt::cpp)/fastgpt::cpp_static)/' bindings/cpp/examples/CMakeLists.txt >"$sproj/CMakeLists.txt"
        if cmake -S "$sproj" -B "$sproj/build" -DCMAKE_PREFIX_PATH="$PREFIX_DIR" \
                -DCMAKE_CXX_COMPILER="$(command -v "$CXX")" >"$sproj/configure.log" 2>&1 &&
            cmake --build "$sproj/build" >"$sproj/build.log" 2>&1 &&
            [[ "$(ldd "$sproj/build/quickstart")" != *libfastgpt* ]]; then
            echo "PASS fastgpt::cpp_static builds a program without libfastgpt.so"
            total_pass=$((total_pass + 1))
            check_quickstart "$sproj/build/quickstart" "quickstart runs (CMake, static)"
        else
            echo "FAIL fastgpt::cpp_static:"
            cat "$sproj/configure.log" "$sproj/build.log" 2>/dev/null | tail -n 40 | sed 's/^/    /'
            total_fail=$((total_fail + 1))
        fi
    else
        echo "FAIL cmake consumer:"
        cat "$proj/configure.log" "$proj/build.log" 2>/dev/null | tail -n 40 | sed 's/^/    /'
        total_fail=$((total_fail + 1))
    fi
fi

run_mode() {
    local mode="$1"
    shift
    local bin="$OUT/test_fastgpt_$mode"
    echo "== $mode"
    if ! "$CXX" "${FLAGS[@]}" "$@" bindings/cpp/test_fastgpt.cpp -o "$bin" "${LIBS[@]}"; then
        echo "FAIL [$mode] compile"
        total_fail=$((total_fail + 1))
        return
    fi
    local log="$OUT/test_fastgpt_$mode.log" rc=0 t0 t1
    t0=$(date +%s)
    timeout -k 5 300 "$bin" "$SERVER" $FILTER >"$log" 2>&1 || rc=$?
    t1=$(date +%s)
    local summary p=0 f=0
    summary="$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1 || true)"
    if [[ -n "$summary" ]]; then
        p="${summary%% passed*}"
        f="$(sed -E 's/.*, ([0-9]+) failed/\1/' <<<"$summary")"
    fi
    if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi  # crash or sanitizer report at exit
    total_pass=$((total_pass + p))
    total_fail=$((total_fail + f))
    if [[ $rc -eq 0 ]]; then
        echo "PASS [$mode] $p cases ($((t1 - t0)) s)"
    else
        echo "FAIL [$mode] $p passed, $f failed, exit $rc ($((t1 - t0)) s); log: $log"
        grep -vE '^PASS ' "$log" | tail -n 60 | sed 's/^/    /'
    fi
}

unset FASTGPT_TEST_URL
run_mode plain
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_mode asan -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

echo "time: $(($(date +%s) - t_start)) s"
echo "$total_pass passed, $total_fail failed"
[[ $total_fail -eq 0 ]]
