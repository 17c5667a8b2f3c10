#!/usr/bin/env bash
# Tests the Swift package (bindings/swift) the way a Swift user gets it:
#
#   bash bindings/swift/test.sh          (make test-bindings runs it)
#
# 1. Consistency with include/fastgpt.h (no toolchain needed): every function of the header
#    is called from Sources/FastGPT and every fastgpt_/FASTGPT_ name used there exists in the
#    header; FastGPTStatus has every status code; the module map, both Package.swift files
#    and the README's first program agree with the sources.
# 2. Without a Swift toolchain: prints SKIP and exits 0.
# 3. Installs the library with `make install` into target/swift/prefix and points
#    PKG_CONFIG_PATH and LD_LIBRARY_PATH there, so SwiftPM finds it through fastgpt.pc.
# 4. Starts the dev server (target/release/fastgpt-devserver --port-file), runs `swift build`
#    and `swift test` in bindings/swift (build cache: target/swift/build).
# 5. From a directory outside the checkout, builds a package that depends on the checkout by
#    path (what a `.package(url:)` dependency resolves to) and runs the example programs
#    (Examples/: the first program of the README; a file in a message part with its url and
#    key, with a resume when the stream drops) against the dev server.
#
# Environment: SWIFT (the swift executable), FASTGPT_SKIP_BUILD=1 (the library is built
# already), SWIFT_TEST_TIMEOUT (seconds for each swift command, default 900).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HEADER="$ROOT/include/fastgpt.h"
SRC="$HERE/Sources/FastGPT"
fail=0
ok() { echo "ok   $*"; }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# ---- 1. consistency with the header ------------------------------------------------------
mapfile -t funcs < <(grep -E '^[A-Za-z_][A-Za-z0-9_ *]*[ *]fastgpt_[a-z0-9_]+\(' "$HEADER" |
    sed -E 's/.*[ *](fastgpt_[a-z0-9_]+)\(.*/\1/' | sort -u)
code="$(cat "$SRC"/*.swift | sed -E 's#//.*$##')"
((${#funcs[@]} >= 20)) || bad "found only ${#funcs[@]} functions in the header (parse error?)"
missing=()
for f in "${funcs[@]}"; do
    grep -qE "(^|[^A-Za-z0-9_])$f\(" <<<"$code" || missing+=("$f")
done
if ((${#missing[@]} == 0)); then
    ok "all ${#funcs[@]} functions of fastgpt.h are called in Sources/FastGPT"
else
    bad "functions of fastgpt.h not called in Sources/FastGPT: ${missing[*]}"
fi
extra=()
while read -r f; do
    grep -qE "[ *]$f\(" "$HEADER" || grep -qE "typedef .*\(\*$f\)" "$HEADER" || extra+=("$f")
done < <(grep -oE 'fastgpt_[A-Za-z0-9_]+' <<<"$code" | sort -u)
((${#extra[@]} == 0)) && ok "every fastgpt_ name used in Swift is in the header" || bad "not in the header: ${extra[*]}"
extra=()
while read -r m; do
    grep -qE "#define $m " "$HEADER" || extra+=("$m")
done < <(grep -oE 'FASTGPT_[A-Z0-9_]+' <<<"$code" | sort -u)
((${#extra[@]} == 0)) && ok "every FASTGPT_ constant used in Swift is #defined in the header" || bad "constants not in the header: ${extra[*]}"
enum_body="$(sed -n '/enum FastGPTStatus/,/^}/p' "$SRC/Errors.swift")"
nbad=0
while read -r name value; do
    grep -qE "= $value\$" <<<"$enum_body" || { bad "FastGPTStatus lacks $name = $value"; nbad=$((nbad + 1)); }
done < <(sed -nE 's/^#define (FASTGPT_(OK|E_[A-Z_]+)) ([0-9]+)$/\1 \3/p' "$HEADER")
((nbad == 0)) && ok "FastGPTStatus has every status code of the header"
mm="$(tr -s '[:space:]' ' ' <"$HERE/Sources/CFastGPT/module.modulemap")"
[[ $mm =~ module\ CFastGPT\ \[system\]\ \{\ header\ \"shim.h\"\ link\ \"fastgpt\" ]] &&
    ok "module map: system module CFastGPT over shim.h, links fastgpt" || bad "module map changed: $mm"
grep -q '#include <fastgpt.h>' "$HERE/Sources/CFastGPT/shim.h" && ok "shim.h includes <fastgpt.h>" || bad "shim.h does not include <fastgpt.h>"
# The two manifests declare the same targets; the root one points into bindings/swift.
targets() { grep -oE '\.(systemLibrary|target|testTarget)\(name: "[A-Za-z]+"[^)]*\)' "$1" | sed -E "s#path: \"$2#path: \"#"; }
if [[ "$(targets "$HERE/Package.swift" "")" == "$(targets "$ROOT/Package.swift" "bindings/swift/")" ]] &&
    grep -q 'pkgConfig: "fastgpt"' "$ROOT/Package.swift"; then
    ok "Package.swift and bindings/swift/Package.swift declare the same targets"
else
    bad "Package.swift and bindings/swift/Package.swift differ: $(diff <(targets "$HERE/Package.swift" "") <(targets "$ROOT/Package.swift" "bindings/swift/") | tr '\n' ' ')"
fi
# The README shows Examples/FirstCall/main.swift verbatim (after its comment header).
body="$(awk 'f || !/^\/\//{f=1; print}' "$HERE/Examples/FirstCall/main.swift")"
readme="$(cat "$HERE/README.md")"
[[ $readme == *"$body"* ]] && ok "README.md shows Examples/FirstCall/main.swift" || bad "README.md's first program differs from Examples/FirstCall/main.swift"

# ---- 2. the toolchain ---------------------------------------------------------------------
SWIFT="${SWIFT:-}"
if [[ -z $SWIFT ]]; then
    if command -v swift >/dev/null 2>&1; then
        SWIFT="$(command -v swift)"
    else
        # A toolchain installed from a tarball is often put on PATH by a login profile only.
        SWIFT="$(bash -lc 'command -v swift' 2>/dev/null || true)"
    fi
fi
if [[ -n $SWIFT && ! -x $SWIFT ]]; then
    echo "FAIL SWIFT=$SWIFT is not an executable"; exit 1
fi
if [[ -z $SWIFT ]]; then
    ((fail == 0)) || { echo "swift: $fail consistency check(s) failed"; exit 1; }
    echo "SKIP swift build/test: no Swift toolchain (swift not on PATH; set SWIFT=/path/to/swift)"
    exit 0
fi
echo "== $("$SWIFT" --version 2>&1 | head -n 1)"
((fail == 0)) || { echo "swift: $fail consistency check(s) failed"; exit 1; }
T="${SWIFT_TEST_TIMEOUT:-900}"

# ---- 3. the library, installed --------------------------------------------------------------
cd "$ROOT"
PREFIX="$ROOT/target/swift/prefix"
STAGE="$(mktemp -d)"
work="$(mktemp -d)"
server=""
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
    rm -rf "$STAGE" "$work"
}
trap cleanup EXIT
if [[ ${FASTGPT_SKIP_BUILD:-} != 1 ]]; then
    make -s build >"$work/make.log" 2>&1 || { cat "$work/make.log"; echo "FAIL make build"; exit 1; }
fi
[[ -f target/release/libfastgpt.so && -x target/release/fastgpt-devserver ]] ||
    { echo "FAIL target/release has no libfastgpt.so or fastgpt-devserver (run make build)"; exit 1; }
# Installed into a fresh staging prefix, then copied over the cached one only where a file
# changed, so that SwiftPM's cache (keyed on the header's path and time) stays valid.
make -s install PREFIX="$PREFIX" DESTDIR="$STAGE" >"$work/make.log" 2>&1 ||
    { cat "$work/make.log"; echo "FAIL make install"; exit 1; }
(cd "$STAGE$PREFIX" && find . -type f -o -type l) | while read -r f; do
    if [[ -L $STAGE$PREFIX/$f ]]; then
        [[ "$(readlink "$STAGE$PREFIX/$f")" == "$(readlink "$PREFIX/$f" 2>/dev/null)" ]] && continue
    else
        cmp -s "$STAGE$PREFIX/$f" "$PREFIX/$f" && continue
    fi
    mkdir -p "$(dirname "$PREFIX/$f")"
    rm -f "$PREFIX/$f"
    cp -a "$STAGE$PREFIX/$f" "$PREFIX/$f"
done
export PKG_CONFIG_PATH="$PREFIX/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
export LD_LIBRARY_PATH="$PREFIX/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
ok "libfastgpt installed in target/swift/prefix (pkg-config fastgpt $(pkg-config --modversion fastgpt 2>/dev/null || echo '?'))"

# ---- 4. swift build + swift test, against the dev server -------------------------------------
target/release/fastgpt-devserver --chunk-delay-ms 0 --heartbeat-ms 200 --port-file "$work/url" >/dev/null 2>&1 &
server=$!
for _ in $(seq 1 200); do [[ -s $work/url ]] && break; sleep 0.05; done
[[ -s $work/url ]] || { echo "FAIL the dev server wrote no port file"; exit 1; }
export FASTGPT_TEST_URL="$(cat "$work/url")"

cd "$HERE"
start=$(date +%s)
if timeout "$T" "$SWIFT" build --scratch-path "$ROOT/target/swift/build" 2>&1 | tail -n 3; [[ ${PIPESTATUS[0]} -eq 0 ]]; then
    ok "swift build ($(($(date +%s) - start)) s)"
else
    bad "swift build"
fi
start=$(date +%s)
timeout "$T" "$SWIFT" test --scratch-path "$ROOT/target/swift/build" >"$work/test.log" 2>&1 && rc=0 || rc=$?
grep -E '^✘|error:|Test run with' "$work/test.log" || true
if ((rc == 0)) && grep -q '^✔ Test run with [0-9]* tests' "$work/test.log"; then
    ok "swift test ($(($(date +%s) - start)) s)"
else
    tail -n 40 "$work/test.log"
    bad "swift test (exit $rc)"
fi

# ---- 5. a package outside the checkout that depends on it ------------------------------------
app="$work/examples"
identity="$(basename "$ROOT" | tr '[:upper:]' '[:lower:]')"
examples=(FirstCall AskAboutAFile)
targets=""
for x in "${examples[@]}"; do
    mkdir -p "$app/Sources/$x"
    cp "$HERE/Examples/$x/main.swift" "$app/Sources/$x/main.swift"
    targets+="        .executableTarget(name: \"$x\", dependencies: [.product(name: \"FastGPT\", package: \"$identity\")]),"$'\n'
done
cat >"$app/Package.swift" <<EOF
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "Examples",
    dependencies: [.package(path: "$ROOT")],
    targets: [
$targets    ]
)
EOF
# What each example prints against the dev server.
declare -A expected=(
    [FirstCall]="You said: Hello from Swift"$'\n'"Human: Hello from Swift"$'\n'"AI: You said: Hello from Swift"
    [AskAboutAFile]="You said: What is in this file? [file]"$'\n'"Human: What is in this file? [file: notes.txt]"$'\n'"AI: You said: What is in this file? [file]"
)
cd "$app"
start=$(date +%s)
if timeout "$T" "$SWIFT" build --scratch-path "$ROOT/target/swift/examples" 2>&1 | tail -n 1; [[ ${PIPESTATUS[0]} -eq 0 ]]; then
    ok "a package outside the checkout depends on it by path and builds ($(($(date +%s) - start)) s)"
    for x in "${examples[@]}"; do
        out="$(FASTGPT_BASE_URL="$FASTGPT_TEST_URL" FASTGPT_API_KEY=fastgpt-dev-key timeout 60 \
            "$ROOT/target/swift/examples/debug/$x" 2>&1)" && rc=0 || rc=$?
        echo "$out" | sed 's/^/     | /'
        if ((rc == 0)) && [[ $out == "${expected[$x]}" ]]; then
            ok "example $x runs against the dev server"
        else
            bad "example $x (exit $rc)"
        fi
    done
else
    bad "swift build of a package outside the checkout"
fi

((fail == 0)) || { echo "swift: $fail check(s) failed"; exit 1; }
echo "swift: all checks passed"
