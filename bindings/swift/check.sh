#!/usr/bin/env bash
# Checks the Swift package against include/fastgpt.h. Without a Swift toolchain it can only
# check consistency; with `swift` on PATH it also builds the package and runs its tests
# against a dev server it starts.
#
#   bash examples/swift/check.sh
#
# Checks: the header that shim.h includes exists and is include/fastgpt.h, and shim.h
# compiles as C; the module map declares module CFastGPT over shim.h and links `fastgpt`;
# Package.swift has the systemLibrary target with pkgConfig "fastgpt"; every function
# declared in fastgpt.h is called in Sources/FastGPT; every FASTGPT_ constant used in the
# Swift sources exists in the header. Exits non-zero on any mismatch.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
HEADER="$ROOT/include/fastgpt.h"
SHIM_DIR="$HERE/Sources/CFastGPT"
MODULEMAP="$SHIM_DIR/module.modulemap"
SWIFT_SRC="$HERE/Sources/FastGPT"
fail=0
pass=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

[[ -f "$HEADER" ]] && ok "header exists: include/fastgpt.h" || bad "missing $HEADER"

# 1. shim.h: its relative include resolves to the repository header.
inc="$(sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]+"([^"]+)".*/\1/p' "$SHIM_DIR/shim.h" | head -n 1)"
if [[ -z "$inc" ]]; then
    bad "shim.h has no #include \"...\" of the header"
elif [[ -f "$SHIM_DIR/$inc" && "$(cd "$(dirname "$SHIM_DIR/$inc")" && pwd)/$(basename "$inc")" -ef "$HEADER" ]]; then
    ok "shim.h includes \"$inc\" = include/fastgpt.h"
else
    bad "shim.h includes \"$inc\", which does not resolve to $HEADER from $SHIM_DIR"
fi
CC="${CC:-cc}"
if command -v "$CC" >/dev/null 2>&1; then
    if "$CC" -std=c99 -Wall -Wextra -Werror -pedantic -fsyntax-only -x c "$SHIM_DIR/shim.h" 2>/tmp/fastgpt-shim.$$; then
        ok "shim.h compiles as C99 ($CC)"
    else
        bad "shim.h does not compile: $(cat /tmp/fastgpt-shim.$$)"
    fi
    rm -f /tmp/fastgpt-shim.$$
fi

# 2. module map
mm="$(tr -s '[:space:]' ' ' <"$MODULEMAP")"
[[ "$mm" =~ module\ CFastGPT\ \[system\]\ \{ ]] && ok "module map declares system module CFastGPT" || bad "module map: no 'module CFastGPT [system] {'"
[[ "$mm" =~ header\ \"shim.h\" ]] && ok "module map header is shim.h" || bad "module map: no 'header \"shim.h\"'"
[[ "$mm" =~ link\ \"fastgpt\" ]] && ok "module map links \"fastgpt\"" || bad "module map: no 'link \"fastgpt\"'"
[[ "$mm" =~ export\ \* ]] && ok "module map exports *" || bad "module map: no 'export *'"

# 3. Package.swift
pkg="$(tr -s '[:space:]' ' ' <"$HERE/Package.swift")"
head -n 1 "$HERE/Package.swift" | grep -qE '^// swift-tools-version: ?5\.7' && ok "swift-tools-version 5.7" || bad "Package.swift: first line is not swift-tools-version 5.7"
[[ "$pkg" =~ \.systemLibrary\(\ ?name:\ \"CFastGPT\"[^\)]*pkgConfig:\ \"fastgpt\" ]] && ok "systemLibrary CFastGPT with pkgConfig \"fastgpt\"" || bad "Package.swift: no .systemLibrary(name: \"CFastGPT\", ..., pkgConfig: \"fastgpt\")"
[[ "$pkg" =~ \.target\(\ ?name:\ \"FastGPT\",\ dependencies:\ \[\"CFastGPT\"\] ]] && ok "target FastGPT depends on CFastGPT" || bad "Package.swift: target FastGPT does not depend on CFastGPT"

# 4. Every C function is called from the Swift sources (comments stripped).
# Declarations start a line with their return type (possibly "T *FASTGPT_NONNULL").
mapfile -t funcs < <(grep -E '^[A-Za-z_][A-Za-z0-9_ *]*[ *]fastgpt_[a-z0-9_]+\(' "$HEADER" |
    sed -E 's/.*[ *](fastgpt_[a-z0-9_]+)\(.*/\1/' | sort -u)
code="$(cat "$SWIFT_SRC"/*.swift | sed -E 's#//.*$##')"
if [[ ${#funcs[@]} -lt 20 ]]; then
    bad "found only ${#funcs[@]} functions in the header (parse error?)"
fi
missing=()
for f in "${funcs[@]}"; do
    grep -qE "(^|[^A-Za-z0-9_])$f\(" <<<"$code" || missing+=("$f")
done
if [[ ${#missing[@]} -eq 0 ]]; then
    ok "all ${#funcs[@]} header functions are called in Sources/FastGPT"
else
    bad "header functions not called in Sources/FastGPT: ${missing[*]}"
fi
# ... and nothing that is not in the header.
extra=()
while read -r f; do
    grep -qE "[ *]$f\(" "$HEADER" || grep -qE "typedef .*\(\*$f\)" "$HEADER" || extra+=("$f")
done < <(grep -oE 'fastgpt_[A-Za-z0-9_]+' <<<"$code" | sort -u)
[[ ${#extra[@]} -eq 0 ]] && ok "every fastgpt_ name used in Swift exists in the header" || bad "names used in Swift but not in the header: ${extra[*]}"
# 5. FASTGPT_ constants
extra=()
while read -r m; do
    grep -qE "#define $m " "$HEADER" || extra+=("$m")
done < <(grep -oE 'FASTGPT_[A-Z0-9_]+' <<<"$code" | sort -u)
[[ ${#extra[@]} -eq 0 ]] && ok "every FASTGPT_ constant used in Swift is #defined in the header" || bad "constants not in the header: ${extra[*]}"
# 6. The Swift status enum has a case for every status code of the header.
enum_body="$(sed -n '/enum FastGPTStatus/,/^}/p' "$SWIFT_SRC/FastGPT.swift")"
nbad=0
while read -r name value; do
    grep -qE "= $value\$" <<<"$enum_body" || { bad "FastGPTStatus lacks $name = $value"; nbad=$((nbad + 1)); }
done < <(sed -nE 's/^#define (FASTGPT_(OK|E_[A-Z_]+)) ([0-9]+)$/\1 \3/p' "$HEADER")
[[ $nbad -eq 0 ]] && ok "FastGPTStatus covers every status code of the header"

# 7. Build and test when a toolchain exists.
if command -v swift >/dev/null 2>&1; then
    echo "== swift found: $(swift --version 2>&1 | head -n 1)"
    LIBDIR="$ROOT/target/release"
    export LD_LIBRARY_PATH="$LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    export DYLD_LIBRARY_PATH="$LIBDIR${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"
    if (cd "$HERE" && swift build -Xlinker -L"$LIBDIR"); then ok "swift build"; else bad "swift build"; fi
    SERVER="$LIBDIR/fastgpt-devserver"
    if [[ -x "$SERVER" ]]; then
        tmp="$(mktemp -d)"
        "$SERVER" --chunk-delay-ms 0 --heartbeat-ms 200 --port-file "$tmp/url" >/dev/null 2>&1 &
        spid=$!
        for _ in $(seq 1 100); do [[ -s "$tmp/url" ]] && break; sleep 0.05; done
        export FASTGPT_TEST_URL="$(cat "$tmp/url" 2>/dev/null)"
    else
        echo "note: $SERVER missing; the XCTest cases will be skipped"
    fi
    if (cd "$HERE" && swift test -Xlinker -L"$LIBDIR"); then ok "swift test"; else bad "swift test"; fi
    [[ -n "${spid:-}" ]] && { kill "$spid" 2>/dev/null; wait "$spid" 2>/dev/null; rm -rf "$tmp"; }
else
    echo "NOTE: no Swift toolchain on PATH: the Swift package was NOT built or tested;"
    echo "      only the consistency checks above were run."
fi

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
