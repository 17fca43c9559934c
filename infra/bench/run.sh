#!/usr/bin/env bash
# Benchmarks feel-again against its floor (the same cpp-httplib stack answering a fixed
# response) with wrk on loopback, keep-alive, 32 connections: a LaunchRequest with request
# verification off and on, over HTTP and HTTPS. Prints one table and writes it to
# infra/bench/out/results.md. See infra/bench/README.md.
#
#   infra/bench/run.sh [--install]
#
# Environment: DURATION (seconds per run, default 10), BUILD_DIR (default build-bench/),
# SERVICE_THREADS (passed to feel-again --threads), SERVICE_LOG_LEVEL (default error),
# ONLY (space-separated scenario ids to run, for experiments: floor-http floor-https
# off-http on-http off-https on-https).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD_DIR:-$root/build-bench}
out=$here/out
pki=$out/pki
cache=$out/cert-cache
runs=$out/runs
duration=${DURATION:-10}
service_log_level=${SERVICE_LOG_LEVEL:-error}
only=${ONLY:-}
connections=32
wrk_threads=2
warmup=2
skill_id=amzn1.ask.skill.bench0000-0000-0000-0000-000000000000
cert_file=echo-api-cert-bench.pem
cert_url=https://s3.amazonaws.com/echo.api/$cert_file

# Targets from the issue, for the service's rows.
target_ratio_off=0.7
target_ratio_on=0.5
target_p99_ms=10
target_rss_mb=40

usage() {
  sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

install=0
for arg in "$@"; do
  case $arg in
    --install) install=1 ;;
    -h | --help) usage; exit 0 ;;
    *) echo "run.sh: unknown argument $arg" >&2; usage >&2; exit 2 ;;
  esac
done

if ! [[ $duration =~ ^[0-9]+$ ]] || ((duration < 1 || duration > 120)); then
  # A signed request carries its timestamp; the service accepts it for 150 s only.
  echo "run.sh: DURATION=$duration: use 1 to 120 seconds (signed runs must end within 150 s)" >&2
  exit 2
fi

# --- tools -----------------------------------------------------------------------------------
if ((install)) && ! command -v wrk >/dev/null; then
  echo "installing wrk..."
  sudo=()
  ((EUID == 0)) || sudo=(sudo)
  "${sudo[@]}" apt-get update && "${sudo[@]}" apt-get install -y wrk
fi
missing=()
for tool in wrk openssl cmake curl base64 awk; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
if ((${#missing[@]})); then
  declare -A package=([wrk]=wrk [openssl]=openssl [cmake]=cmake [curl]=curl [base64]=coreutils
    [awk]=gawk)
  echo "run.sh: missing ${missing[*]}; install with:" >&2
  echo "  apt-get install$(for t in "${missing[@]}"; do printf ' %s' "${package[$t]}"; done)" >&2
  echo "(or run infra/bench/run.sh --install to apt-get install wrk)" >&2
  exit 1
fi

mkdir -p "$out" "$cache" "$runs"

# --- build -----------------------------------------------------------------------------------
echo "building Release into $build (log: $out/build.log)..."
if ! {
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DFEEL_AGAIN_BENCH=ON \
    -DFEEL_AGAIN_TESTS=OFF &&
    cmake --build "$build" -j2 --target feel-again feel-again-floor
} >"$out/build.log" 2>&1; then
  tail -n 30 "$out/build.log" >&2
  echo "run.sh: the build failed (full log: $out/build.log)" >&2
  exit 1
fi
service_bin=$build/skill/feel-again
floor_bin=$build/infra/bench/feel-again-floor

# --- test PKI: leaf signs requests, server.pem/.key serve HTTPS ------------------------------
echo "making the test PKI in $pki..."
bash "$root/tests/pki/make-test-pki.sh" "$pki"
for name in root.pem chain.pem leaf.key server.pem server.key; do
  [[ -f $pki/$name ]] || { echo "run.sh: $pki/$name was not made" >&2; exit 1; }
done
cp "$pki/chain.pem" "$cache/$cert_file"

# --- helpers ---------------------------------------------------------------------------------
server_pid=
stop_server() {
  [[ -n $server_pid ]] || return 0
  kill -TERM "$server_pid" 2>/dev/null || true
  for _ in $(seq 60); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=
}
trap stop_server EXIT

# A port nothing listens on now, below the range the kernel hands to clients (wrk's and curl's
# closed connections linger there in TIME-WAIT). The service logs its port only at info level,
# so the port is chosen here; start_server tries again if it was taken in between.
free_port() {
  local port low
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range
  ((low > 12000)) || low=61000
  while :; do
    port=$((10000 + RANDOM % (low - 10000)))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
}

# start_server LOG URL_SCHEME COMMAND...: sets server_pid and server_url once it answers.
start_server() {
  local log=$1 scheme=$2
  shift 2
  local port code
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$@" --port "$port" 2>"$log" >/dev/null &
    server_pid=$!
    server_url=$scheme://127.0.0.1:$port/alexa
    for _ in $(seq 100); do
      if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
      code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 1 "$server_url" || true)
      if [[ $code != 000 ]]; then return 0; fi
      sleep 0.1
    done
    stop_server
    if ! grep -qi "listen" "$log"; then break; fi  # not a taken port: do not retry
  done
  echo "run.sh: the server did not start; its log ($log):" >&2
  cat "$log" >&2
  return 1
}

# write_request SCENARIO: a LaunchRequest stamped now, its signature and the wrk script.
write_request() {
  local id=$1
  local body=$runs/$id.json signature user device
  user=amzn1.ask.account.BENCHUSER$(printf '0%.0s' {1..54})
  device=amzn1.ask.device.BENCHDEVICE$(printf '0%.0s' {1..52})
  # Shaped like Alexa's: one line, no trailing newline, and signed exactly as sent.
  tr -d '\n' >"$body" <<EOF
{"version":"1.0",
"session":{"new":true,"sessionId":"amzn1.echo-api.session.bench-$id",
"application":{"applicationId":"$skill_id"},"user":{"userId":"$user"}},
"context":{"System":{"application":{"applicationId":"$skill_id"},"user":{"userId":"$user"},
"device":{"deviceId":"$device","supportedInterfaces":{}},
"apiEndpoint":"https://api.eu.amazonalexa.com","apiAccessToken":"bench.api-access-token"}},
"request":{"type":"LaunchRequest","requestId":"amzn1.echo-api.request.bench-$id-$(date +%s%N)",
"locale":"en-GB","timestamp":"$(date -u +%Y-%m-%dT%H:%M:%SZ)","shouldLinkResultBeReturned":false}}
EOF
  signature=$(openssl dgst -sha256 -sign "$pki/leaf.key" "$body" | base64 -w0)
  printf '%s' "$signature" >"$runs/$id.sig"
  cat >"$runs/$id.lua" <<EOF
local file = assert(io.open([[$body]], "rb"))
wrk.method = "POST"
wrk.body = file:read("*a")
file:close()
wrk.headers["Content-Type"] = "application/json; charset=utf-8"
wrk.headers["SignatureCertChainUrl"] = "$cert_url"
wrk.headers["Signature-256"] = "$signature"

-- One machine-readable line; latency in microseconds.
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
}

# check_request SCENARIO: sends the signed request once with curl; prints the HTTP status.
check_request() {
  local id=$1
  curl -sk -o "$runs/$id.curl-body" -w '%{http_code}' --max-time 5 -X POST \
    -H "Content-Type: application/json; charset=utf-8" \
    -H "SignatureCertChainUrl: $cert_url" \
    -H "Signature-256: $(cat "$runs/$id.sig")" \
    --data-binary "@$runs/$id.json" "$server_url" || true
}

field() {  # field NAME LINE: the number after NAME= in wrk's BENCH line, 0 when absent
  local value
  value=$(sed -n "s/.*[[:space:]]$1=\([0-9]*\).*/\1/p" <<<"$2")
  echo "${value:-0}"
}

# CPU accounting in clock ticks, to tell when something else ran during a measurement.
machine_cpu() {  # "TOTAL IDLE" over all cores since boot
  awk '/^cpu / {t = 0; for (i = 2; i <= NF; i++) t += $i; print t, $5 + $6}' /proc/stat
}
process_cpu() {  # user + system ticks of PID
  awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0
}
# Sets children_ticks: user + system ticks of this shell's finished children (wrk). `times`
# must run in this shell, not in a $(...) subshell, which has no children of its own.
children_cpu() {
  times >"$runs/times.txt"
  children_ticks=$(awk -v hz="$(getconf CLK_TCK)" 'NR == 2 {
    t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
    printf "%.0f", t * hz }' "$runs/times.txt")
}
busy_threshold=5
busy_runs=()

join() {  # join ITEM...: "a, b, c"
  local joined=$1
  shift
  for item; do joined+=", $item"; done
  echo "$joined"
}

rows=()
failed=0
declare -A floor_rps

# run_scenario ID LABEL KIND(floor|service) TLS(0|1) VERIFY(off|on|-)
run_scenario() {
  local id=$1 label=$2 kind=$3 tls=$4 verify=$5
  if [[ -n $only && " $only " != *" $id "* ]]; then return 0; fi
  local scheme=http cmd=() log=$runs/$id.server.log
  ((tls)) && scheme=https
  if [[ $kind == floor ]]; then
    cmd=("$floor_bin")
  else
    cmd=("$service_bin" serve --log-level "$service_log_level" --skill-id "$skill_id"
      --db "$runs/$id.db" --secret-file "$runs/$id.secret")
    if [[ $verify == off ]]; then
      cmd+=(--insecure-no-verify)
    else
      cmd+=(--trusted-roots "$pki/root.pem" --cert-cache "$cache")
    fi
    [[ -n ${SERVICE_THREADS:-} ]] && cmd+=(--threads "$SERVICE_THREADS")
  fi
  ((tls)) && cmd+=(--tls-cert "$pki/server.pem" --tls-key "$pki/server.key")

  printf '%-28s' "$label..."
  write_request "$id"
  if ! start_server "$log" "$scheme" "${cmd[@]}"; then
    failed=1
    rows+=("| $label | - | - | - | - | - | FAILED (did not start, see $log) |")
    return 0
  fi
  local status
  status=$(check_request "$id")
  printf ' curl status %s,' "$status"
  wrk -t"$wrk_threads" -c"$connections" -d"${warmup}s" -s "$runs/$id.lua" "$server_url" \
    >"$runs/$id.warmup.txt" 2>&1 || true
  printf ' warmed up, measuring %ss...' "$duration"
  local wrk_ok=1 machine_before server_before wrk_before
  machine_before=$(machine_cpu)
  server_before=$(process_cpu "$server_pid")
  children_cpu
  wrk_before=$children_ticks
  wrk -t"$wrk_threads" -c"$connections" -d"${duration}s" --latency -s "$runs/$id.lua" \
    "$server_url" >"$runs/$id.wrk.txt" 2>&1 || wrk_ok=0
  local other hwm_kb
  children_cpu
  # The CPU the machine spent on anything but this server and wrk, as a share of all of it.
  other=$(awk -v m0="$machine_before" -v m1="$(machine_cpu)" \
    -v s="$(($(process_cpu "$server_pid") - server_before))" \
    -v w="$((children_ticks - wrk_before))" 'BEGIN {
      split(m0, a); split(m1, b); total = b[1] - a[1]; busy = total - (b[2] - a[2])
      printf "%.0f", (total > 0 ? 100 * (busy - s - w) / total : 0) }')
  hwm_kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0)
  stop_server
  echo " done (other processes: $other% CPU)"
  if ((other > busy_threshold)); then
    busy_runs+=("$label: $other% of the CPU went to other processes")
  fi

  local line requests duration_us socket_errors non2xx
  line=$(grep '^BENCH ' "$runs/$id.wrk.txt" || true)
  requests=$(field requests "$line")
  duration_us=$(field duration_us "$line")
  non2xx=$(field status "$line")
  socket_errors=$(($(field connect "$line") + $(field read "$line") + $(field write "$line") +
    $(field timeout "$line")))
  local rps p50_ms p99_ms rss_mb
  rps=$(awk -v r="$requests" -v d="$duration_us" 'BEGIN {printf "%.0f", (d > 0 ? r / (d / 1e6) : 0)}')
  p50_ms=$(awk -v u="$(field p50_us "$line")" 'BEGIN {printf "%.2f", u / 1000}')
  p99_ms=$(awk -v u="$(field p99_us "$line")" 'BEGIN {printf "%.2f", u / 1000}')
  rss_mb=$(awk -v k="${hwm_kb:-0}" 'BEGIN {printf "%.1f", k / 1024}')

  local problems=()
  [[ $status == 200 ]] || problems+=("curl got $status")
  ((wrk_ok)) && [[ -n $line ]] && ((requests > 0)) || problems+=("wrk gave no result")
  ((non2xx == 0)) || problems+=("$non2xx non-2xx")
  ((socket_errors == 0)) || problems+=("$socket_errors socket errors")

  local ratio=- verdict
  if [[ $kind == floor ]]; then
    floor_rps[$tls]=$rps
    ratio=1.00
    verdict="(floor)"
  else
    local floor=${floor_rps[$tls]:-}
    [[ -n $floor && $floor != 0 ]] &&
      ratio=$(awk -v s="$rps" -v f="$floor" 'BEGIN {printf "%.2f", s / f}')
    local need misses=()
    need=$([[ $verify == on ]] && echo "$target_ratio_on" || echo "$target_ratio_off")
    if [[ $ratio == - ]]; then
      misses+=("no floor run")
    elif awk -v r="$ratio" -v n="$need" 'BEGIN {exit !(r < n)}'; then
      misses+=("ratio < $need")
    fi
    awk -v p="$p99_ms" -v t="$target_p99_ms" 'BEGIN {exit !(p >= t)}' &&
      misses+=("p99 >= $target_p99_ms ms")
    awk -v m="$rss_mb" -v t="$target_rss_mb" 'BEGIN {exit !(m >= t)}' &&
      misses+=("RSS >= $target_rss_mb MB")
    if ((${#misses[@]})); then
      verdict="no ($(join "${misses[@]}"))"
    else
      verdict=yes
    fi
  fi
  if ((${#problems[@]})); then
    failed=1
    verdict="FAILED ($(join "${problems[@]}"))"
  fi
  rows+=("| $label | $rps | $p50_ms | $p99_ms | $rss_mb | $ratio | $verdict |")
}

# --- runs ------------------------------------------------------------------------------------
echo "each run: ${warmup}s warm-up, then wrk -t$wrk_threads -c$connections -d${duration}s --latency"
run_scenario floor-http "floor, HTTP" floor 0 -
run_scenario floor-https "floor, HTTPS" floor 1 -
run_scenario off-http "service verify off, HTTP" service 0 off
run_scenario on-http "service verify on, HTTP" service 0 on
run_scenario off-https "service verify off, HTTPS" service 1 off
run_scenario on-https "service verify on, HTTPS" service 1 on

# --- table -----------------------------------------------------------------------------------
{
  echo "# feel-again benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo
  echo "LaunchRequest over keep-alive on loopback: \`wrk -t$wrk_threads -c$connections -d${duration}s --latency\` after a ${warmup} s warm-up."
  echo "wrk and the server share this machine's $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')): rates are lower than the server alone would reach."
  echo "Service flags: \`--log-level $service_log_level${SERVICE_THREADS:+ --threads $SERVICE_THREADS}\`. Each ratio compares with the floor of the same protocol in this run."
  echo "Targets: verify off >= $target_ratio_off x floor, verify on >= $target_ratio_on x floor, p99 < $target_p99_ms ms, peak RSS < $target_rss_mb MB."
  echo
  echo "| scenario | req/s | p50 ms | p99 ms | peak RSS MB | ratio to floor | target met |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  printf '%s\n' "${rows[@]}"
  if ((${#busy_runs[@]})); then
    echo
    echo "**Other processes competed for the CPU** during these runs; their numbers are low and"
    echo "their ratios unreliable. Run again on a quiet machine:"
    printf -- '- %s\n' "${busy_runs[@]}"
  fi
} >"$out/results.md"
echo
cat "$out/results.md"
echo
echo "written to $out/results.md; wrk and server logs in $runs/"
exit "$failed"
