#!/usr/bin/env bash
# Installs libfastgpt into a temporary prefix, then builds examples/c/history.c three ways
# (pkg-config, CMake find_package, static link through pkg-config --static) and runs each
# against the dev server. Also checks that the shared library exports exactly the symbols
# of abi/symbols.txt, that the header declares each of them, and the soname.
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
make -s install PREFIX="$prefix" >/dev/null
for f in include/fastgpt.h lib/libfastgpt.a lib/libfastgpt.so lib/libfastgpt.so.$major lib/pkgconfig/fastgpt.pc \
         lib/cmake/fastgpt/fastgptConfig.cmake lib/cmake/fastgpt/fastgptConfigVersion.cmake; do
  [[ -e $prefix/$f ]] || { ko "install lacks $f"; }
done
[[ -L $prefix/lib/libfastgpt.so && -L $prefix/lib/libfastgpt.so.$major ]] && ok "installed with soname symlinks" || ko "symlinks"

# 3. The dev server for the runs.
target/release/fastgpt-devserver --chunk-delay-ms 0 --port-file "$work/url" >/dev/null &
server=$!
for _ in $(seq 100); do [[ -s $work/url ]] && break; sleep 0.05; done
export FASTGPT_BASE_URL=$(cat "$work/url") FASTGPT_API_KEY=fastgpt-dev-key

run_example() { # name binary [env...]
  local name=$1 bin=$2; shift 2
  if env "$@" "$bin" >"$work/$name.log" 2>&1; then ok "$name builds and runs against the dev server"
  else ko "$name run"; tail -20 "$work/$name.log"; fi
}

export PKG_CONFIG_PATH=$prefix/lib/pkgconfig
# 3a. pkg-config, shared.
if cc -std=c99 -Wall -Wextra -Werror examples/c/history.c -o "$work/pc-shared" $(pkg-config --cflags --libs fastgpt) 2>"$work/cc1.log"; then
  if LD_LIBRARY_PATH="$prefix/lib" ldd "$work/pc-shared" | grep -q "libfastgpt.so.$major => $prefix/lib"; then
    run_example pkg-config "$work/pc-shared" LD_LIBRARY_PATH="$prefix/lib"
  else ko "pkg-config binary does not load the installed libfastgpt.so.$major"; ldd "$work/pc-shared"; fi
else ko "pkg-config build"; cat "$work/cc1.log"; fi

# 3b. pkg-config --static: the archive plus Libs.private, no libfastgpt.so dependency.
static_libs=$(pkg-config --static --libs fastgpt | sed 's/-lfastgpt\b/-l:libfastgpt.a/')
if cc -std=c99 -Wall -Wextra -Werror examples/c/history.c -o "$work/pc-static" $(pkg-config --cflags fastgpt) $static_libs 2>"$work/cc2.log"; then
  if ldd "$work/pc-static" | grep -q libfastgpt; then ko "static binary still needs libfastgpt.so"
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
    if ldd "$work/cmake-build/history_static" | grep -q libfastgpt; then ko "cmake static binary needs libfastgpt.so"
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
