#!/usr/bin/env bash
# Tests the Go binding:
#   1. go vet and go test -race against the source tree's static library (-tags
#      fastgpt_intree; TestMain starts and stops the dev server itself);
#   2. as a Go user gets it: the module is served from a file:// module proxy into a fresh
#      module cache, and a fresh module outside the checkout builds examples/quickstart
#      with the default build (pkg-config) against `make install PREFIX=<tmp>`, then runs
#      it against the dev server.
# Assumes `make build` was run. Prints SKIP (exit 0) when go is not installed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT/bindings/go"

if ! command -v go >/dev/null 2>&1; then
    echo "SKIP: go not installed"
    exit 0
fi
for f in "$ROOT/target/release/libfastgpt.a" "$ROOT/target/release/fastgpt-devserver"; do
    [[ -e "$f" ]] || { echo "FAIL: $f is missing; run 'make build' first" >&2; exit 1; }
done
. "$ROOT/bindings/testlib.sh"

MODULE="$(sed -n 's/^module //p' go.mod)"
VERSION="v$(sed -n 's/^version = "\(.*\)"/\1/p' "$ROOT/Cargo.toml" | head -n 1)"

# Standard library only: never reach for the network.
export GOPROXY=off GOFLAGS=-mod=mod CGO_ENABLED=1 GOSUMDB=off

testlib_readme_block README.md examples/quickstart/main.go

echo "== go vet -tags fastgpt_intree ./..."
go vet -tags fastgpt_intree ./...
echo "== go test -race -count=1 -tags fastgpt_intree ./..."
go test -race -count=1 -tags fastgpt_intree ./...

testlib_devserver
echo "== examples/attach (upload, url + key in the message part, a fresh file URL)"
go build -tags fastgpt_intree -o "$TESTLIB_TMP/attach" ./examples/attach
FASTGPT_BASE_URL="$DEV_URL" timeout 60 "$TESTLIB_TMP/attach" >"$TESTLIB_TMP/attach.txt" 2>&1 || true
if ! grep -q '^You said: What does the file say? \[file\]$' "$TESTLIB_TMP/attach.txt" ||
    ! grep -q '^download: http' "$TESTLIB_TMP/attach.txt"; then
    echo "FAIL: examples/attach printed:" >&2
    cat "$TESTLIB_TMP/attach.txt" >&2
    exit 1
fi
sed 's/^/    /' "$TESTLIB_TMP/attach.txt"
echo "PASS examples/attach"

echo "== outside the checkout: $MODULE@$VERSION from a module proxy, linked through pkg-config"
testlib_install
proxy="$TESTLIB_TMP/goproxy"
app="$TESTLIB_TMP/app"
vdir="$proxy/$MODULE/@v"
mkdir -p "$vdir" "$app"
# The module zip as `go mod download` expects it: every file of the module directory
# under "<module>@<version>/".
python3 - "$ROOT/bindings/go" "$MODULE@$VERSION" "$vdir/$VERSION.zip" <<'PY'
import os, sys, zipfile
src, prefix, out = sys.argv[1:4]
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            z.write(path, prefix + "/" + os.path.relpath(path, src).replace(os.sep, "/"))
PY
cp go.mod "$vdir/$VERSION.mod"
printf '{"Version":"%s","Time":"2026-01-01T00:00:00Z"}\n' "$VERSION" >"$vdir/$VERSION.info"
echo "$VERSION" >"$vdir/list"

cp examples/quickstart/main.go "$app/main.go"
(
    cd "$app"
    export GOPROXY="file://$proxy" GOMODCACHE="$TESTLIB_TMP/gomodcache" GOFLAGS=-mod=mod
    export PKG_CONFIG_PATH="$PREFIX_DIR/lib/pkgconfig"
    export CGO_LDFLAGS="-Wl,-rpath,$PREFIX_DIR/lib"
    go mod init example.com/quickstart >/dev/null 2>&1
    go get "$MODULE@$VERSION" >/dev/null
    go vet . "$MODULE/..."     # the module itself, from the module cache, default build
    go build -o quickstart .
)
# It must have linked the installed shared library (pkg-config), not the source tree.
if [[ "$(ldd "$app/quickstart")" != *"$PREFIX_DIR/lib/libfastgpt.so"* ]]; then
    echo "FAIL: quickstart is not linked against $PREFIX_DIR/lib/libfastgpt.so:" >&2
    ldd "$app/quickstart" >&2
    exit 1
fi
FASTGPT_BASE_URL="$DEV_URL" timeout 60 "$app/quickstart" >"$app/out.txt"
if ! grep -q '] Human: Hello! What can you do?$' "$app/out.txt" || ! grep -q '] AI: .' "$app/out.txt"; then
    echo "FAIL: quickstart printed:" >&2
    cat "$app/out.txt" >&2
    exit 1
fi
sed 's/^/    /' "$app/out.txt"
echo "PASS quickstart from the module cache (pkg-config, installed library)"
