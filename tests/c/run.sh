#!/usr/bin/env bash
# C test suite of libfastgpt.
#
#   bash tests/c/run.sh [plain|asan|valgrind|all]     (default: all)
#
# Env:
#   FASTGPT_SKIP_BUILD=1   skip `cargo build --release --workspace`
#   FASTGPT_TEST_FILTER=s  run only test cases whose name contains s (passed to each binary)
#   FASTGPT_TEST_ONLY=name run only tests/c/test_<name>.c (e.g. FASTGPT_TEST_ONLY=stream)
#
# Steps: build the library and dev server; compile include/fastgpt.h standalone as C++17
# and as C99; per mode, compile every tests/c/test_*.c into target/c-tests/<mode>/, start
# one dev server, and run every binary (with FASTGPT_TEST_URL and FASTGPT_TEST_MODE set).
#
# Counting: the final line "N passed, N failed" counts individual TEST CASES summed over all
# binaries and modes (each binary prints "CASES passed=N failed=M"). A binary that exits
# non-zero without reporting a failed case (crash, timeout, sanitizer or valgrind error at
# exit, missing summary line) adds one extra failure. A compile failure of a test file counts
# as one failure per file and mode; a header check failure counts as one failure.
set -euo pipefail

MODE="${1:-all}"
case "$MODE" in
plain | asan | valgrind) MODES=("$MODE") ;;
all) MODES=(plain asan valgrind) ;;
*)
    echo "usage: $0 [plain|asan|valgrind|all]" >&2
    exit 2
    ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"
OUT="$ROOT/target/c-tests"
mkdir -p "$OUT"

TOTAL_PASS=0
TOTAL_FAIL=0
SERVER_PID=""
SERVER_FD=""
TMPDIR_RUN="$(mktemp -d "${TMPDIR:-/tmp}/fastgpt-c-tests.XXXXXX")"

stop_server() {
    if [[ -n "$SERVER_FD" ]]; then
        eval "exec ${SERVER_FD}>&-" 2>/dev/null || true
        SERVER_FD=""
    fi
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$TMPDIR_RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [[ "${FASTGPT_SKIP_BUILD:-0}" != "1" ]]; then
    echo "== cargo build --release --workspace"
    cargo build --release --workspace
fi

LIB="$ROOT/target/release/libfastgpt.a"
SERVER_BIN="$ROOT/target/release/fastgpt-devserver"
[[ -f "$LIB" ]] || { echo "missing $LIB" >&2; exit 1; }
[[ -x "$SERVER_BIN" ]] || { echo "missing $SERVER_BIN" >&2; exit 1; }

CC="${CC:-cc}"
CXX="${CXX:-c++}"
CFLAGS_COMMON=(-std=c99 -Wall -Wextra -Werror -pedantic -D_POSIX_C_SOURCE=200809L -pthread
    -I"$ROOT/include" -I"$ROOT/tests/c")
LIBS=("$LIB" -lpthread -ldl -lm)

# ---------------------------------------------------------------- header checks (once)
echo "== header: C++17 and C99 standalone"
HDR="$OUT/header"
mkdir -p "$HDR"
# Included twice: the include guard and the nullability pragmas must hold.
printf '#include "fastgpt.h"\n#include "fastgpt.h"\nint fastgpt_header_check_dummy;\n' >"$HDR/h.cpp"
printf '#include "fastgpt.h"\n#include "fastgpt.h"\nint fastgpt_header_check_dummy;\n' >"$HDR/h.c"
if "$CXX" -x c++ -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$ROOT/include" "$HDR/h.cpp"; then
    echo "PASS header-c++17"
    TOTAL_PASS=$((TOTAL_PASS + 1))
else
    echo "FAIL header-c++17"
    TOTAL_FAIL=$((TOTAL_FAIL + 1))
fi
if "$CC" -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -I"$ROOT/include" "$HDR/h.c"; then
    echo "PASS header-c99"
    TOTAL_PASS=$((TOTAL_PASS + 1))
else
    echo "FAIL header-c99"
    TOTAL_FAIL=$((TOTAL_FAIL + 1))
fi

# Under Clang the header carries _Nonnull/_Nullable on every pointer (contract §10).
if command -v clang >/dev/null 2>&1; then
    if clang -std=c99 -Wall -Wextra -Werror -pedantic -Wnullability-completeness -fsyntax-only -I"$ROOT/include" "$HDR/h.c" &&
       clang -x c++ -std=c++17 -Wall -Wextra -Werror -pedantic -Wnullability-completeness -fsyntax-only -I"$ROOT/include" "$HDR/h.cpp"; then
        echo "PASS header-clang-nullability"
        TOTAL_PASS=$((TOTAL_PASS + 1))
    else
        echo "FAIL header-clang-nullability"
        TOTAL_FAIL=$((TOTAL_FAIL + 1))
    fi
else
    echo "SKIP header-clang-nullability (clang is not installed)"
fi

start_server() {
    local dir="$1"
    local fifo="$dir/server-stdin"
    local portfile="$dir/server-port"
    rm -f "$fifo" "$portfile"
    mkfifo "$fifo"
    "$SERVER_BIN" --chunk-delay-ms 0 --heartbeat-ms 200 --exit-on-stdin-eof \
        --port-file "$portfile" <"$fifo" >"$dir/server.out" 2>"$dir/server.err" &
    SERVER_PID=$!
    # Keep the server's stdin open through this fd; closing it (or our death) stops it.
    exec {SERVER_FD}>"$fifo"
    local i
    for i in $(seq 1 200); do
        [[ -s "$portfile" ]] && break
        sleep 0.05
    done
    [[ -s "$portfile" ]] || { echo "dev server did not start" >&2; return 1; }
    FASTGPT_TEST_URL="$(cat "$portfile")"
    export FASTGPT_TEST_URL
}

shopt -s nullglob
SOURCES=("$ROOT"/tests/c/test_*.c)
if [[ -n "${FASTGPT_TEST_ONLY:-}" ]]; then
    SOURCES=("$ROOT/tests/c/test_${FASTGPT_TEST_ONLY}.c")
fi

declare -A MODE_TIME

for mode in "${MODES[@]}"; do
    t0=$(date +%s)
    dir="$OUT/$mode"
    mkdir -p "$dir"
    echo "== mode $mode"
    flags=("${CFLAGS_COMMON[@]}" -O1 -g)
    runner=()
    tmo=150
    unset ASAN_OPTIONS UBSAN_OPTIONS
    case "$mode" in
    asan)
        flags+=(-fsanitize=address,undefined -fno-omit-frame-pointer -g)
        export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
        export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
        tmo=200
        ;;
    valgrind)
        runner=(valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect
            --show-leak-kinds=definite,indirect --error-exitcode=1 --quiet)
        tmo=300
        ;;
    esac
    export FASTGPT_TEST_MODE="$mode"

    bins=()
    for src in "${SOURCES[@]}"; do
        name="$(basename "$src" .c)"
        if "$CC" "${flags[@]}" -o "$dir/$name" "$src" "${LIBS[@]}" 2>"$dir/$name.compile.log"; then
            bins+=("$name")
        else
            echo "FAIL [$mode] $name (compile error)"
            sed 's/^/    /' "$dir/$name.compile.log"
            TOTAL_FAIL=$((TOTAL_FAIL + 1))
        fi
    done

    start_server "$dir"
    for name in "${bins[@]}"; do
        log="$dir/$name.log"
        b0=$(date +%s)
        set +e
        timeout -k 5 "$tmo" "${runner[@]}" "$dir/$name" ${FASTGPT_TEST_FILTER:+"$FASTGPT_TEST_FILTER"} >"$log" 2>&1
        rc=$?
        set -e
        b1=$(date +%s)
        summary="$(grep -E 'CASES passed=[0-9]+ failed=[0-9]+' "$log" | tail -n 1 || true)"
        p=0
        f=0
        if [[ -n "$summary" ]]; then
            p="$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$summary")"
            f="$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$summary")"
        fi
        extra=""
        if [[ $rc -ne 0 && $f -eq 0 ]]; then
            f=1
            if [[ $rc -eq 124 || $rc -eq 137 ]]; then extra=" (timeout after ${tmo}s)"; else extra=" (exit $rc after the cases: crash, sanitizer or valgrind error)"; fi
        fi
        TOTAL_PASS=$((TOTAL_PASS + p))
        TOTAL_FAIL=$((TOTAL_FAIL + f))
        if [[ $rc -eq 0 ]]; then
            echo "PASS [$mode] $name: $p cases passed ($((b1 - b0)) s)"
        else
            echo "FAIL [$mode] $name: $p passed, $f failed$extra ($((b1 - b0)) s); log: $log"
            grep -E '\[ FAIL \]|FAILED' "$log" | head -n 60 | sed 's/^/    /' || true
            if [[ -n "$extra" ]]; then tail -n 40 "$log" | sed 's/^/    | /'; fi
        fi
    done
    stop_server
    MODE_TIME[$mode]=$(($(date +%s) - t0))
    echo "== mode $mode took ${MODE_TIME[$mode]} s"
done

for mode in "${MODES[@]}"; do
    echo "time [$mode]: ${MODE_TIME[$mode]} s"
done
echo "$TOTAL_PASS passed, $TOTAL_FAIL failed"
[[ $TOTAL_FAIL -eq 0 ]]
