#!/bin/sh
# Vets and tests the Go binding (race detector on). Assumes the library and the dev server
# are already built: cargo build --release --workspace (from the repository root).
# TestMain starts and stops the dev server itself.
set -eu
case "$0" in */*) cd "${0%/*}" ;; esac

if ! command -v go >/dev/null 2>&1; then
    echo "SKIP: go not installed"
    exit 0
fi

for f in ../../target/release/libfastgpt.a ../../target/release/fastgpt-devserver; do
    if [ ! -e "$f" ]; then
        echo "FAIL: $f is missing; run 'cargo build --release --workspace' first" >&2
        exit 1
    fi
done

# Standard library only: never reach for the network.
export GOPROXY=off GOFLAGS=-mod=mod CGO_ENABLED=1

echo "== go vet ./..."
go vet ./...
echo "== go test -race -count=1 ./..."
go test -race -count=1 ./...
