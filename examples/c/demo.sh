#!/usr/bin/env bash
# Runs an example program against a real FastGPT (FASTGPT_BASE_URL and FASTGPT_API_KEY set)
# or against the bundled dev server on 127.0.0.1, started here and stopped on exit.
set -euo pipefail
program=${1:?usage: demo.sh PROGRAM}
if [[ -n ${FASTGPT_BASE_URL:-} && -n ${FASTGPT_API_KEY:-} ]]; then
  echo "Using FastGPT at $FASTGPT_BASE_URL"
  exec "$program"
fi
dir=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$dir"' EXIT
target/release/fastgpt-devserver --chunk-delay-ms 30 --port-file "$dir/url" >/dev/null &
server=$!
for _ in $(seq 100); do [[ -s $dir/url ]] && break; sleep 0.05; done
FASTGPT_BASE_URL=$(cat "$dir/url")
export FASTGPT_BASE_URL
export FASTGPT_API_KEY=fastgpt-dev-key FASTGPT_DEV_SERVER=1
echo "Using the bundled dev server at $FASTGPT_BASE_URL (set FASTGPT_BASE_URL and FASTGPT_API_KEY for a real FastGPT)"
"$program"
