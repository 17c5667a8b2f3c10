#!/usr/bin/env bash
# A short fuzzing smoke run of every target (FUZZ_SECONDS each, default 30), started from
# the committed seeds. Skipped, with a message, when there is no nightly toolchain or no
# cargo-fuzz. Long runs: cargo +nightly fuzz run -O <target> fuzz/seeds/<target>
set -euo pipefail
cd "$(dirname "$0")"
seconds=${FUZZ_SECONDS:-30}
# Without a fuzzer the targets are still type-checked on stable, so they cannot rot unseen.
check_only() {
  echo "fuzz smoke: skipped ($1); type-checking the fuzz targets instead"
  cargo check --quiet --bins && echo "fuzz smoke: every target compiles"
  exit $?
}
if ! cargo +nightly --version >/dev/null 2>&1; then
  check_only "no nightly toolchain"
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  check_only "cargo-fuzz is not installed: cargo install cargo-fuzz"
fi
cargo +nightly fuzz build -O
failed=0
for target in sse_decoder stream_session classify answer_chunk stream_limits; do
  work=$(mktemp -d)
  if cargo +nightly fuzz run -O "$target" "$work" "seeds/$target" -- \
       -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$work.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work.log" | grep -o '[0-9]*$' || echo '?')
    echo "fuzz smoke: $target ok ($runs executions in ${seconds}s)"
  else
    echo "fuzz smoke: $target FAILED"; tail -40 "$work.log"; failed=1
  fi
  rm -rf "$work" "$work.log"
done
exit $failed
