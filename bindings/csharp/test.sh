#!/usr/bin/env bash
# Builds the C# binding, its tests and the examples with Mono's mcs, runs the tests, then
# does what a C# user does: `make install PREFIX=<tmp>`, the quickstart built outside the
# checkout against FastGpt.dll and run against the dev server with the installed
# libfastgpt.so. Assumes `make build` was run. Outputs go to target/csharp/. Extra arguments
# are passed to the test runner (name filters). Prints SKIP (exit 0) without mcs/mono.
# (The SDK-style projects, FastGpt/FastGpt.csproj and Tests/FastGpt.Tests.csproj, build the
# same files with `dotnet build` where the .NET SDK is installed.)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$here/../.." && pwd)"
out="$ROOT/target/csharp"
release="$ROOT/target/release"

if ! command -v mcs >/dev/null 2>&1 || ! command -v mono >/dev/null 2>&1; then
    echo "SKIP: mono not installed"
    exit 0
fi
for f in "$release/libfastgpt.so" "$release/fastgpt-devserver"; do
    if [[ ! -e "$f" ]]; then
        echo "missing $f: run 'make build' first" >&2
        exit 1
    fi
done

mkdir -p "$out"
cd "$here"
MCS=(mcs -nologo -warnaserror+ -debug)
"${MCS[@]}" -target:library -unsafe -out:"$out/FastGpt.dll" FastGpt/*.cs
"${MCS[@]}" -target:exe -r:"$out/FastGpt.dll" -r:System.Core.dll -out:"$out/FastGpt.Tests.exe" Tests/*.cs
"${MCS[@]}" -target:exe -r:"$out/FastGpt.dll" -out:"$out/Chat.exe" examples/Chat/*.cs
"${MCS[@]}" -target:exe -r:"$out/FastGpt.dll" -out:"$out/Quickstart.exe" examples/Quickstart/*.cs
"${MCS[@]}" -target:exe -r:"$out/FastGpt.dll" -out:"$out/Attach.exe" examples/Attach/*.cs

# DllImport("fastgpt") -> libfastgpt.so, found through LD_LIBRARY_PATH.
rc=0
LD_LIBRARY_PATH="$release${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" FASTGPT_DEVSERVER="$release/fastgpt-devserver" \
    mono --debug "$out/FastGpt.Tests.exe" "$@" || rc=$?
[[ $rc -eq 0 ]] || exit "$rc"
[[ $# -eq 0 ]] || exit 0   # a filtered run tests only what it names

. "$ROOT/bindings/testlib.sh"
testlib_readme_block README.md examples/Quickstart/Quickstart.cs

testlib_devserver
echo "== examples/Attach (upload, url + key in the message part, a fresh file URL)"
cp "$out/FastGpt.dll" "$TESTLIB_TMP/" && cp "$out/Attach.exe" "$TESTLIB_TMP/"
if LD_LIBRARY_PATH="$release" FASTGPT_BASE_URL="$DEV_URL" timeout 60 mono "$TESTLIB_TMP/Attach.exe" >"$TESTLIB_TMP/attach.txt" 2>&1 &&
    grep -q '^You said: What does the file say? \[file\]$' "$TESTLIB_TMP/attach.txt" &&
    grep -q '^download: http' "$TESTLIB_TMP/attach.txt"; then
    sed 's/^/    /' "$TESTLIB_TMP/attach.txt"
    echo "PASS attach"
else
    echo "FAIL attach; it printed:"
    sed 's/^/    /' "$TESTLIB_TMP/attach.txt"
    exit 1
fi

echo "== outside the checkout: make install, FastGpt.dll, the quickstart"
testlib_install
app="$TESTLIB_TMP/csharp-quickstart"
mkdir -p "$app"
cp "$out/FastGpt.dll" examples/Quickstart/Quickstart.cs "$app/"
(cd "$app" && mcs -nologo -warnaserror+ -r:FastGpt.dll -out:Quickstart.exe Quickstart.cs)
if LD_LIBRARY_PATH="$PREFIX_DIR/lib" FASTGPT_BASE_URL="$DEV_URL" timeout 60 mono "$app/Quickstart.exe" >"$app/out.txt" 2>&1 &&
    grep -q '] Human: Hello! What can you do?$' "$app/out.txt" && grep -q '] AI: .' "$app/out.txt"; then
    sed 's/^/    /' "$app/out.txt"
    echo "PASS quickstart (mcs, FastGpt.dll, installed libfastgpt.so)"
else
    echo "FAIL quickstart; it printed:"
    sed 's/^/    /' "$app/out.txt"
    exit 1
fi
