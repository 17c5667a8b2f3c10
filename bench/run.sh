#!/usr/bin/env bash
# The libfastgpt benchmark: libfastgpt vs libcurl (easy API) vs Python httpx, against nginx
# serving canned FastGPT responses on 127.0.0.1, plus a drip server for time to first event.
#
#   bash bench/run.sh [--profile] [--instructions]
#
# Environment:
#   BENCH_RUNS=5          runs of every mode (medians and per-run ratios over them; >= 5)
#   BENCH_TTFE_RUNS=20    streams per time-to-first-event measurement
#   BENCH_WAIT_QUIET=0    seconds to wait for a 1-minute load average under BENCH_QUIET_LOAD
#                         (default 0.7) before measuring; measures anyway after that
#   BENCH_OUT=DIR         where raw results, logs and the table go (default: a temp dir)
#   BENCH_SKIP_INSTALL=1  never apt-get/pip install
#   BENCH_SKIP_BUILD=1    use the existing target/release/libfastgpt.a
#   BENCH_INSTR_HTTPX=0   in --instructions, skip counting httpx (its streams take a minute or two)
# --profile also runs the libfastgpt driver under callgrind (stream, sequential) and
# perf stat (each driver), and prints the top functions by self and inclusive cost.
# --instructions runs the instruction-count mode instead of the wall-time runs: every
# driver under callgrind on the same server, totals and instructions per event / per call
# (user-space instructions do not depend on the machine's load, wall times do).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

profile=0
instructions=0
for a in "$@"; do
  case $a in
    --profile) profile=1 ;;
    --instructions) instructions=1 ;;
    *) echo "usage: bash bench/run.sh [--profile] [--instructions]" >&2; exit 2 ;;
  esac
done
RUNS=${BENCH_RUNS:-5}
TTFE_RUNS=${BENCH_TTFE_RUNS:-20}
SEQ_N=5000
THREADS=4
THREAD_N=1000

log() { echo "[bench] $*" >&2; }

# ---- dependencies -------------------------------------------------------------------
if [[ ${BENCH_SKIP_INSTALL:-0} != 1 ]]; then
  pkgs=()
  command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || pkgs+=(nginx)
  [[ -f /usr/include/x86_64-linux-gnu/curl/curl.h || -f /usr/include/curl/curl.h ]] || pkgs+=(libcurl4-openssl-dev)
  [[ -x /usr/bin/time ]] || pkgs+=(time)
  command -v cc >/dev/null 2>&1 || pkgs+=(gcc)
  if [[ $profile == 1 || $instructions == 1 ]] && ! command -v valgrind >/dev/null 2>&1; then pkgs+=(valgrind); fi
  if (( ${#pkgs[@]} )); then
    log "installing ${pkgs[*]}"
    sudo_=""; [[ $(id -u) == 0 ]] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${pkgs[@]}" >/dev/null
  fi
  python3 -c 'import httpx' 2>/dev/null || { log "installing httpx"; python3 -m pip install -q httpx; }
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# Everything stays on 127.0.0.1: no proxy from the environment for any driver.
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# ---- build ----------------------------------------------------------------------------
if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
  log "cargo build --release --workspace"
  cargo build --release --workspace >&2
fi
work=$(mktemp -d /tmp/fastgpt-bench.XXXXXX)
chmod 755 "$work"            # nginx workers may run as nobody
out=${BENCH_OUT:-$work/out}
mkdir -p "$out" "$work/bin"
CFLAGS="-std=gnu11 -O2 -g -Wall -Wextra"
cc $CFLAGS -Iinclude bench/fastgpt_bench.c -o "$work/bin/fastgpt_bench" \
   target/release/libfastgpt.a -lpthread -ldl -lm
cc $CFLAGS bench/curl_bench.c -o "$work/bin/curl_bench" -lcurl -lpthread

# ---- servers --------------------------------------------------------------------------
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  if [[ -n ${BENCH_OUT:-} ]]; then
    rm -rf "$work"
  else
    rm -rf "$work/www" "$work/bin" "$work/nginx"
    log "results kept in $out"
  fi
}
trap cleanup EXIT

python3 bench/gen_data.py "$work/www" > "$work/expected.json"
chmod -R a+rX "$work/www"
EV200K=200000
EV1K=1000

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port=$(free_port)
mkdir -p "$work/nginx/logs"
cat > "$work/nginx/nginx.conf" <<CONF
# One worker: the clients keep the machine's other core.
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nodelay on;
  keepalive_timeout 300s;
  keepalive_requests 100000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$port;
    root $work/www;
    # Completions are POSTs: the static module answers 405, turned into the file as a 200.
    error_page 405 =200 \$uri;
    location /json/    { default_type application/json; }
    location /sse200k/ { default_type "text/event-stream;charset=utf-8"; }
    location /sse1k/   { default_type "text/event-stream;charset=utf-8"; }
  }
}
CONF
"$NGINX" -p "$work/nginx" -c "$work/nginx/nginx.conf" -e "$work/nginx/logs/error.log" &
pids+=($!)
python3 bench/drip_server.py "$work/drip.port" 50 20 &
pids+=($!)
for _ in $(seq 100); do
  [[ -s $work/drip.port ]] && python3 -c "import socket; socket.create_connection(('127.0.0.1',$port)).close()" 2>/dev/null && break
  sleep 0.1
done
B=http://127.0.0.1:$port
D=http://127.0.0.1:$(cat "$work/drip.port")
log "nginx on $B, drip server on $D, work dir $work"

# The interpreter itself (not a pyenv-style shim script), so that valgrind measures Python.
PY=$(python3 -c "import sys; print(sys.executable)")
declare -A DRV=(
  [libfastgpt]="$work/bin/fastgpt_bench"
  [libcurl]="$work/bin/curl_bench"
  [httpx]="$PY $here/httpx_bench.py"
)
DRIVERS=(libfastgpt libcurl httpx)
mode_args() {   # mode -> driver arguments
  case $1 in
    seq)       echo "seq $B/json $SEQ_N" ;;
    threads)   echo "threads $B/json $THREADS $THREAD_N" ;;
    stream200k) echo "stream $B/sse200k $EV200K" ;;
    stream1k)  echo "stream $B/sse1k $EV1K" ;;
    ttfe)      echo "ttfe $D $TTFE_RUNS" ;;
    *) return 1 ;;
  esac
}
MODES=(seq threads stream200k stream1k ttfe)

# Runs one driver once under /usr/bin/time -v; prints "value rss_kib".
measure() {
  local driver=$1 mode=$2 tv="$work/time.$$.txt" so="$work/stdout.$$.txt"
  # shellcheck disable=SC2046
  if ! /usr/bin/time -v -o "$tv" ${DRV[$driver]} $(mode_args "$mode") > "$so" 2> "$work/stderr.txt"; then
    log "FAILED: $driver $mode"; cat "$work/stderr.txt" >&2; cat "$tv" >&2; exit 1
  fi
  local value rss
  value=$(awk '$1=="result"{print $2}' "$so")
  rss=$(awk -F': ' '/Maximum resident set size/{print $2}' "$tv")
  [[ -n $value && -n $rss ]] || { log "no result: $driver $mode"; cat "$so" "$tv" >&2; exit 1; }
  echo "$value $rss"
}

# ---- sanity pass (small counts, every driver and mode; checks the work is done) -------
log "sanity pass"
for d in "${DRIVERS[@]}"; do
  ${DRV[$d]} seq "$B/json" 20 >/dev/null
  ${DRV[$d]} threads "$B/json" 2 10 >/dev/null
  ${DRV[$d]} stream "$B/sse1k" $EV1K >/dev/null
  ${DRV[$d]} stream "$B/sse200k" $EV200K >/dev/null
  ${DRV[$d]} ttfe "$D" 2 >/dev/null
done

# ---- instruction-count mode (--instructions) ------------------------------------------
# Every driver under callgrind, one process per mode, against the same nginx. The totals
# are whole-process user-space instructions (start-up included); per event / per call is
# the total divided by the work, and "marginal" subtracts the 1,000-event stream's total
# from the 200,000-event one (start-up, connection and request cancel out).
INSTR_SEQ_N=2000
INSTR_THREAD_N=500
instr_args() {
  case $1 in
    seq) echo "seq $B/json $INSTR_SEQ_N" ;;
    threads) echo "threads $B/json $THREADS $INSTR_THREAD_N" ;;
    *) mode_args "$1" ;;
  esac
}
if [[ $instructions == 1 ]]; then
  ic="$out/instructions"
  mkdir -p "$ic"
  for d in "${DRIVERS[@]}"; do
    for mode in stream200k stream1k seq threads; do
      if [[ $d == httpx ]]; then
        # Python under callgrind is ~50x slower: its streams only, and only when asked.
        [[ ${BENCH_INSTR_HTTPX:-1} == 1 && $mode == stream* ]] || continue
      fi
      log "callgrind: $d $mode"
      # shellcheck disable=SC2046
      valgrind --tool=callgrind --callgrind-out-file="$ic/callgrind.$d.$mode.out" \
        ${DRV[$d]} $(instr_args "$mode") > "$ic/stdout.$d.$mode.txt" 2> "$ic/callgrind.$d.$mode.log" \
        || { log "FAILED under callgrind: $d $mode"; cat "$ic/callgrind.$d.$mode.log" >&2; exit 1; }
    done
  done
  python3 bench/profile_report.py instructions "$ic" \
    --work stream200k=$EV200K stream1k=$EV1K seq=$INSTR_SEQ_N threads=$(( THREADS * INSTR_THREAD_N )) \
    --date "$(date -u '+%Y-%m-%d %H:%M UTC')" | tee "$out/instructions.md"
  python3 bench/profile_report.py callgrind "$ic/callgrind.libfastgpt.stream200k.out" --top 20 \
    | tee "$ic/profile.libfastgpt.stream200k.md"
  exit 0
fi

# ---- wait for a quiet machine ---------------------------------------------------------
load1() { cut -d' ' -f1 /proc/loadavg; }
quiet_limit=${BENCH_QUIET_LOAD:-0.7}
deadline=$(( $(date +%s) + ${BENCH_WAIT_QUIET:-0} ))
while awk -v l="$(load1)" -v q="$quiet_limit" 'BEGIN{exit !(l >= q)}' && (( $(date +%s) < deadline )); do
  log "load $(load1) >= $quiet_limit, waiting"
  sleep 20
done
load_start=$(load1)
quiet=yes; awk -v l="$load_start" -v q="$quiet_limit" 'BEGIN{exit !(l >= q)}' && quiet=no

# ---- measurement ----------------------------------------------------------------------
results="$out/results.tsv"
echo -e "run\tmode\tdriver\tvalue\trss_kib" > "$results"
for r in $(seq "$RUNS"); do
  for mode in "${MODES[@]}"; do
    # rotate the driver order from run to run so that none always goes first
    for i in 0 1 2; do
      d=${DRIVERS[$(( (i + r) % 3 ))]}
      res=$(measure "$d" "$mode")
      read -r value rss <<< "$res"
      echo -e "$r\t$mode\t$d\t$value\t$rss" >> "$results"
    done
  done
  log "run $r/$RUNS done (load $(load1))"
done
load_end=$(load1)

python3 bench/report.py "$results" \
  --date "$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --machine "$(nproc) cores, $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)" \
  --load "$load_start" --load-end "$load_end" --quiet "$quiet" --runs "$RUNS" \
  --versions "libfastgpt $(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1), $(curl-config --version 2>/dev/null || echo libcurl), httpx $(python3 -c 'import httpx; print(httpx.__version__)'), Python $(python3 -c 'import platform; print(platform.python_version())'), nginx $("$NGINX" -v 2>&1 | sed 's|.*/||')" \
  | tee "$out/table.md"

# ---- profile --------------------------------------------------------------------------
if [[ $profile == 1 ]]; then
  log "profiling the libfastgpt driver"
  prof="$out/profile"
  mkdir -p "$prof"
  if perf stat -e instructions true >/dev/null 2>&1; then
    for d in "${DRIVERS[@]}"; do
      for mode in seq stream200k; do
        # shellcheck disable=SC2046
        perf stat -e duration_time,task-clock,context-switches,instructions:u,instructions:k -x, \
          -o "$prof/perfstat.$d.$mode.csv" ${DRV[$d]} $(mode_args "$mode") >/dev/null
      done
    done
    python3 bench/profile_report.py perfstat "$prof" | tee "$prof/perfstat.md"
  fi
  if command -v strace >/dev/null 2>&1; then
    for d in libfastgpt libcurl; do
      # shellcheck disable=SC2046
      strace -f -c -o "$prof/strace.$d.seq.txt" ${DRV[$d]} seq "$B/json" 1000 >/dev/null
    done
    python3 bench/profile_report.py strace "$prof" 1000 | tee "$prof/strace.md"
  fi
  valgrind --tool=callgrind --callgrind-out-file="$prof/callgrind.stream200k.out" \
    "$work/bin/fastgpt_bench" stream "$B/sse200k" $EV200K >/dev/null 2>"$prof/callgrind.stream.log"
  valgrind --tool=callgrind --callgrind-out-file="$prof/callgrind.seq.out" \
    "$work/bin/fastgpt_bench" seq "$B/json" 1000 >/dev/null 2>"$prof/callgrind.seq.log"
  for m in stream200k seq; do
    python3 bench/profile_report.py callgrind "$prof/callgrind.$m.out" --top 15 | tee "$prof/callgrind.$m.md"
  done
fi
