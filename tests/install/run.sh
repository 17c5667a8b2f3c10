#!/usr/bin/env bash
# SPDX-License-Identifier: MIT OR Apache-2.0
#
# Installs libfastgpt into a temporary prefix, then builds examples/c/history.c three ways
# (pkg-config, CMake find_package, static link through pkg-config --static) and runs each
# against the dev server. Also checks that the shared library exports exactly the symbols
# of abi/symbols.txt, that the header declares each of them, and the soname; that the
# installed libraries carry no debug information (the shared one at most 4 MiB, with a
# .gnu_debuglink) and that make install-debug installs the matching debug file.
#
# No `cmd | grep -q` here: under pipefail, grep -q exits at the first match, cmd may then die
# of SIGPIPE and the pipeline "fails" although it matched. Outputs are captured first.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
[[ ${FASTGPT_SKIP_BUILD:-0} == 1 ]] || cargo build --release --workspace
passed=0 failed=0
ok() { echo "PASS $1"; passed=$((passed + 1)); }
ko() { echo "FAIL $1"; failed=$((failed + 1)); }

work=$(mktemp -d)
server=
cleanup() { [[ -n $server ]] && kill "$server" 2>/dev/null; rm -rf "$work"; }
# ldd's listing of a binary, in the environment it will run in (env assignments first).
ldd_of() { # binary [VAR=value...]
  local bin=$1; shift
  env "$@" ldd "$bin" 2>&1 || true
}
has_line() { # text regex: does a line of text match (no pipe, no SIGPIPE)
  [[ $'\n'$1$'\n' =~ $'\n'[^$'\n']*$2 ]]
}
trap cleanup EXIT

# 1. Exported symbols: exactly the list, each declared in the header.
want=$(grep -v '^#' abi/symbols.txt | awk '{print $1}' | sort)
have=$(nm -D --defined-only target/release/libfastgpt.so | awk '{print $3}' | sort)
if [[ "$want" == "$have" ]]; then ok "exported symbols match abi/symbols.txt ($(echo "$have" | wc -l))"
else ko "exported symbols differ from abi/symbols.txt:"; diff <(echo "$want") <(echo "$have") || true; fi
missing=$(for s in $want; do grep -q "\b$s(" include/fastgpt.h || echo "$s"; done)
declared=$(grep -oE '\bfastgpt_[a-z0-9_]+\(' include/fastgpt.h | tr -d '(' | sort -u)
if [[ -z $missing && "$declared" == "$want" ]]; then ok "header declares exactly the exported functions"
else ko "header and symbol list differ: missing [$missing]"; diff <(echo "$want") <(echo "$declared") || true; fi
soname=$(objdump -p target/release/libfastgpt.so | awk '/SONAME/ {print $2}')
major=$(sed -n 's/^version = "\([0-9]*\)\..*/\1/p' Cargo.toml | head -n 1)
if [[ $soname == "libfastgpt.so.$major" ]]; then ok "soname $soname"; else ko "soname is '$soname'"; fi

# 2. Install into a prefix.
prefix=$work/prefix
if ! make -s install install-debug PREFIX="$prefix" >"$work/install.log" 2>&1; then
  ko "make install install-debug"; tail -30 "$work/install.log"
fi
for f in include/fastgpt.h lib/libfastgpt.a lib/libfastgpt.so lib/libfastgpt.so.$major lib/pkgconfig/fastgpt.pc \
         lib/cmake/fastgpt/fastgptConfig.cmake lib/cmake/fastgpt/fastgptConfigVersion.cmake; do
  [[ -e $prefix/$f ]] || { ko "install lacks $f"; }
done
[[ -L $prefix/lib/libfastgpt.so && -L $prefix/lib/libfastgpt.so.$major ]] && ok "installed with soname symlinks" || ko "symlinks"

# 2a. Size and debug information: none in what make install ships, all of it in the
#     install-debug file, which the library names in its .gnu_debuglink.
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
so=$prefix/lib/libfastgpt.so.$version dbg=$prefix/lib/.debug/libfastgpt.so.$version.debug
if [[ -f $so ]]; then
  size=$(stat -c %s "$so") limit=$((4 * 1024 * 1024))
  if ((size <= limit)); then ok "installed libfastgpt.so.$version is $size bytes (limit $limit)"
  else ko "installed libfastgpt.so.$version is $size bytes, over $limit"; fi
  shipped=$(nm -D --defined-only "$so" | awk '{print $3}' | sort)
  if [[ "$shipped" == "$want" ]]; then ok "installed libfastgpt.so exports exactly abi/symbols.txt"
  else ko "installed libfastgpt.so exports differ from abi/symbols.txt:"; diff <(echo "$want") <(echo "$shipped") || true; fi
  [[ $(objdump -p "$so" | awk '/SONAME/ {print $2}') == "libfastgpt.so.$major" ]] || ko "installed soname"
  sections=$(readelf -SW "$so")
  if has_line "$sections" '\.debug_'; then ko "installed libfastgpt.so carries debug sections"
  else ok "installed libfastgpt.so has no debug sections"; fi
  link=$(readelf --string-dump=.gnu_debuglink "$so" 2>&1 || true)
  if has_line "$link" "libfastgpt\\.so\\.$version\\.debug"; then ok "libfastgpt.so links its debug file by name"
  else ko "no .gnu_debuglink to libfastgpt.so.$version.debug: $link"; fi
fi
if [[ -f $prefix/lib/libfastgpt.a ]]; then
  members=$(readelf -SW "$prefix/lib/libfastgpt.a" 2>&1 || true)
  if has_line "$members" '\.debug_(info|line)'; then ko "installed libfastgpt.a carries debug info"
  else ok "installed libfastgpt.a has no debug info"; fi
fi
if [[ -f $dbg ]]; then
  dsections=$(readelf -SW "$dbg")
  if has_line "$dsections" '\.debug_info'; then ok "install-debug: $(basename "$dbg") holds the debug info"
  else ko "install-debug: $dbg has no .debug_info"; fi
  # The debuglink ends with the CRC-32 of the debug file (little-endian here), the same CRC
  # that ends a gzip stream: a debugger accepts the file only when they agree.
  objcopy --dump-section .gnu_debuglink="$work/debuglink" "$so" "$work/so-copy"
  gzip -c "$dbg" >"$work/dbg.gz"
  tail -c 8 "$work/dbg.gz" >"$work/gz-trailer"
  link_crc=$(tail -c 4 "$work/debuglink" | od -An -tx1) file_crc=$(head -c 4 "$work/gz-trailer" | od -An -tx1)
  if [[ -n $link_crc && $link_crc == "$file_crc" ]]; then ok "the debuglink's CRC matches the installed debug file"
  else ko "debuglink CRC [$link_crc] is not the debug file's [$file_crc]"; fi
  # And a debugger finds it on its own: gdb maps an exported function to its source line.
  if command -v gdb >/dev/null; then
    where=$(gdb -nx -batch -ex 'info line fastgpt_client_new' "$so" 2>&1 || true)
    if has_line "$where" 'Line [0-9]+ of "src/'; then ok "gdb loads the debug file: ${where%% starts*}"
    else ko "gdb finds no line information for fastgpt_client_new:"; echo "$where"; fi
  else
    echo "SKIP gdb check of the debug file (gdb is not installed)"
  fi
else
  ko "make install-debug did not install $dbg"
fi
make -s uninstall PREFIX="$prefix" >/dev/null 2>&1 && left=$(find "$prefix" -type f -o -type l)
if [[ -z ${left:-} ]]; then ok "make uninstall removes every installed file"
else ko "make uninstall left: $left"; fi
make -s install PREFIX="$prefix" >"$work/install.log" 2>&1 || { ko "make install (again)"; tail -30 "$work/install.log"; }

# 3. The dev server for the runs.
target/release/fastgpt-devserver --chunk-delay-ms 0 --port-file "$work/url" >/dev/null &
server=$!
for _ in $(seq 400); do [[ -s $work/url ]] && break; sleep 0.05; done
[[ -s $work/url ]] || { ko "the dev server did not write its URL within 20 s"; echo "$passed passed, $failed failed"; exit 1; }
export FASTGPT_BASE_URL=$(cat "$work/url") FASTGPT_API_KEY=fastgpt-dev-key

run_example() { # name binary [env...]
  local name=$1 bin=$2; shift 2
  if env "$@" "$bin" >"$work/$name.log" 2>&1; then ok "$name builds and runs against the dev server"
  else ko "$name run"; tail -20 "$work/$name.log"; fi
}

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# 3a. pkg-config, shared.
if cc -std=c99 -Wall -Wextra -Werror examples/c/history.c -o "$work/pc-shared" $(pkg-config --cflags --libs fastgpt) 2>"$work/cc1.log"; then
  deps=$(ldd_of "$work/pc-shared" LD_LIBRARY_PATH="$prefix/lib")
  if has_line "$deps" "libfastgpt\\.so\\.$major => $prefix/lib/"; then
    run_example pkg-config "$work/pc-shared" LD_LIBRARY_PATH="$prefix/lib"
  else ko "pkg-config binary does not load the installed libfastgpt.so.$major (ldd with LD_LIBRARY_PATH=$prefix/lib):"; echo "$deps"; fi
else ko "pkg-config build"; cat "$work/cc1.log"; fi

# 3b. pkg-config --static: the archive plus Libs.private, no libfastgpt.so dependency.
static_libs=$(pkg-config --static --libs fastgpt | sed 's/-lfastgpt\b/-l:libfastgpt.a/')
if cc -std=c99 -Wall -Wextra -Werror examples/c/history.c -o "$work/pc-static" $(pkg-config --cflags fastgpt) $static_libs 2>"$work/cc2.log"; then
  deps=$(ldd_of "$work/pc-static")
  if has_line "$deps" libfastgpt; then ko "static binary still needs libfastgpt.so:"; echo "$deps"
  else run_example pkg-config-static "$work/pc-static"; fi
else ko "static build"; cat "$work/cc2.log"; fi

# 3c. CMake find_package(fastgpt).
if command -v cmake >/dev/null; then
  mkdir -p "$work/cmake-src" "$work/cmake-build"
  cp examples/c/history.c "$work/cmake-src/"
  cat > "$work/cmake-src/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.13)
project(fastgpt_consumer C)
find_package(fastgpt 0.1 REQUIRED)
add_executable(history history.c)
target_link_libraries(history PRIVATE fastgpt::fastgpt)
add_executable(history_static history.c)
target_link_libraries(history_static PRIVATE fastgpt::fastgpt_static)
CMAKE
  if cmake -S "$work/cmake-src" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cmake.log" 2>&1 \
     && cmake --build "$work/cmake-build" >>"$work/cmake.log" 2>&1; then
    run_example cmake-shared "$work/cmake-build/history"
    deps=$(ldd_of "$work/cmake-build/history_static")
    if has_line "$deps" libfastgpt; then ko "cmake static binary needs libfastgpt.so:"; echo "$deps"
    else run_example cmake-static "$work/cmake-build/history_static"; fi
  else ko "cmake build"; tail -30 "$work/cmake.log"; fi
  # A request for an incompatible version must fail.
  mkdir -p "$work/cmake-bad"
  printf 'cmake_minimum_required(VERSION 3.13)\nproject(bad C)\nfind_package(fastgpt 0.2 REQUIRED)\n' > "$work/cmake-bad/CMakeLists.txt"
  if cmake -S "$work/cmake-bad" -B "$work/cmake-bad/b" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
    ko "find_package(fastgpt 0.2) accepted version $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)"
  else ok "find_package rejects an incompatible 0.x version"; fi
else
  echo "SKIP cmake (not installed)"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
