#!/bin/sh
# Builds the C# binding, its tests and the Chat example with Mono's mcs, then runs the tests.
# Assumes `cargo build --release --workspace` has been run (libfastgpt.so, fastgpt-devserver).
# Outputs go to target/csharp/.  Extra arguments are passed to the test runner (name filters).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out="$repo/target/csharp"
release="$repo/target/release"

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "SKIP: mono not installed"
    exit 0
fi
for f in "$release/libfastgpt.so" "$release/fastgpt-devserver"; do
    if [ ! -e "$f" ]; then
        echo "missing $f: run 'cargo build --release --workspace' first" >&2
        exit 1
    fi
done

mkdir -p "$out"
cd "$here"
mcs -nologo -warnaserror+ -debug -target:library -unsafe -out:"$out/FastGpt.dll" FastGpt/*.cs
mcs -nologo -warnaserror+ -debug -target:exe -r:"$out/FastGpt.dll" -r:System.Core.dll \
    -out:"$out/FastGpt.Tests.exe" Tests/*.cs
mcs -nologo -warnaserror+ -debug -target:exe -r:"$out/FastGpt.dll" -out:"$out/Chat.exe" Chat.cs

# DllImport("fastgpt") -> libfastgpt.so, found through LD_LIBRARY_PATH.
LD_LIBRARY_PATH="$release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export LD_LIBRARY_PATH
FASTGPT_DEVSERVER="$release/fastgpt-devserver"
export FASTGPT_DEVSERVER
exec mono --debug "$out/FastGpt.Tests.exe" "$@"
