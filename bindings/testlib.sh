# Shell helpers for the bindings' test scripts (bash; source it, do not run it).
#
#   . "$ROOT/bindings/testlib.sh"
#   testlib_tmpdir            # TESTLIB_TMP: a fresh directory outside the checkout, removed at exit
#   testlib_devserver         # DEV_URL: a dev server on 127.0.0.1, stopped at exit
#   testlib_install           # PREFIX_DIR: `make install` into $TESTLIB_TMP/prefix
#
# ROOT must be the repository root. Everything started here is stopped by the EXIT trap.

TESTLIB_PIDS=()
TESTLIB_TMP=""

testlib_cleanup() {
    local pid
    for pid in "${TESTLIB_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "$TESTLIB_TMP" && -d "$TESTLIB_TMP" ]]; then
        chmod -R u+w "$TESTLIB_TMP" 2>/dev/null || true   # the Go module cache is read-only
        rm -rf "$TESTLIB_TMP"
    fi
}
trap testlib_cleanup EXIT

testlib_tmpdir() {
    if [[ -z "$TESTLIB_TMP" ]]; then
        TESTLIB_TMP="$(mktemp -d "${TMPDIR:-/tmp}/fastgpt-bindings.XXXXXX")"
    fi
}

# Starts target/release/fastgpt-devserver and waits (at most 10 s) for its URL.
testlib_devserver() {
    testlib_tmpdir
    local server="$ROOT/target/release/fastgpt-devserver" url_file i
    [[ -x "$server" ]] || { echo "missing $server: run 'make build' first" >&2; return 1; }
    url_file="$TESTLIB_TMP/devserver.url"
    rm -f "$url_file"
    "$server" --chunk-delay-ms 0 --port-file "$url_file" >/dev/null </dev/null &
    TESTLIB_PIDS+=("$!")
    for ((i = 0; i < 100; i++)); do
        if [[ -s "$url_file" ]]; then
            DEV_URL="$(cat "$url_file")"
            return 0
        fi
        sleep 0.1
    done
    echo "the dev server did not start within 10 s" >&2
    return 1
}

# `make install PREFIX=$TESTLIB_TMP/prefix` (the library must already be built; the
# install target's cargo build is then a no-op). Output goes to $TESTLIB_TMP/install.log.
testlib_install() {
    testlib_tmpdir
    PREFIX_DIR="$TESTLIB_TMP/prefix"
    if [[ -e "$PREFIX_DIR/lib/pkgconfig/fastgpt.pc" ]]; then
        return 0
    fi
    if ! make -s -C "$ROOT" install PREFIX="$PREFIX_DIR" >"$TESTLIB_TMP/install.log" 2>&1; then
        echo "make install PREFIX=$PREFIX_DIR failed:" >&2
        tail -n 30 "$TESTLIB_TMP/install.log" >&2
        return 1
    fi
}

# testlib_readme_block README FILE: the fenced code block that follows the line
# "<!-- first program: FILE -->" in README must be FILE, byte for byte (so the README's
# first program is the one the tests build and run).
testlib_readme_block() {
    local readme="$1" file="$2"
    if ! awk -v marker="<!-- first program: $file -->" '
        $0 == marker { found = 1; next }
        found == 1 && /^```/ { found = 2; next }
        found == 2 && /^```/ { exit }
        found == 2 { print }
        END { if (found != 2) exit 1 }' "$readme" | diff -u - "$file"; then
        echo "FAIL $readme: the first program differs from $file (or its marker is missing)" >&2
        return 1
    fi
    echo "PASS $readme shows $file"
}
