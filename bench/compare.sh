#!/usr/bin/env bash
# Gateway vs a bare nginx proxy vs Portkey, on one nginx stub upstream, in one run (issue 7's benchmark).
#   bench/compare.sh                       (needs: wrk, nginx — apt-get install -y wrk nginx; JDK 21+ recommended)
#   npm ci --prefix bench/portkey          (optional: adds the Portkey rows)
#   KAFKA=1 bench/compare.sh               (also runs bench/kafka.sh and adds its rows)
# Every row: wrk -t2 -c32 -d$DURATION (c=1 for the latency rows), the same small chat request (bench/chat.lua).
# nginx serves a fixed OpenAI completion (good), a 500 (dead) and a 429 with Retry-After (limited); the
# gateway's primary port answers good, then (nginx -s reload) 500, so both gateway rows run in one warm JVM.
# Writes the table to bench/results/compare.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx missing: apt-get install -y nginx"; exit 1; }
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests

GOOD=19101 DEAD=19102 LIMITED=19103 PROXY=19104 OAI=19105 GW=19180 GWM=19876 SIM=19199 PK=19787
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; "$NGINX" -p "$work" -c nginx.conf -s stop 2>/dev/null || true; }
trap cleanup EXIT

openai='{"id":"chatcmpl-stub","object":"chat.completion","created":1700000000,"model":"stub-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the stub upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
anthropic='{"id":"msg_stub","type":"message","role":"assistant","model":"stub-model","content":[{"type":"text","text":"Hello from the stub upstream."}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":7}}'
write_conf() { # $1: what the gateway's primary (openai) port answers: good | dead
  local primary="return 200 '$openai'"
  [ "$1" = dead ] && primary="return 500 '{\"error\":{\"message\":\"stub failure\",\"type\":\"server_error\"}}'"
  cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  upstream good { server 127.0.0.1:$GOOD; keepalive 128; }
  server {
    listen 127.0.0.1:$GOOD;
    location = /v1/chat/completions { default_type application/json; return 200 '$openai'; }
    location = /v1/messages { default_type application/json; return 200 '$anthropic'; }
    location / { default_type application/json; return 200 '{"object":"list","data":[{"id":"stub-model","object":"model"}]}'; }
  }
  server { listen 127.0.0.1:$DEAD; location / { default_type application/json; return 500 '{"error":{"message":"stub failure","type":"server_error"}}'; } }
  server { listen 127.0.0.1:$LIMITED; location / { add_header Retry-After 1 always; default_type application/json; return 429 '{"error":{"message":"rate limited","type":"requests","code":"rate_limit_exceeded"}}'; } }
  server { listen 127.0.0.1:$PROXY; location / { proxy_pass http://good; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  # the gateway's primary: good, then dead (nginx -s reload) under the same gateway JVM
  server {
    listen 127.0.0.1:$OAI;
    location = /v1/chat/completions { default_type application/json; $primary; }
    location / { default_type application/json; return 200 '{"object":"list","data":[{"id":"stub-model","object":"model"}]}'; }
  }
}
CONF
}
write_conf good
mkdir -p "$work/logs"
"$NGINX" -p "$work" -c nginx.conf

rss_of() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
nginx_rss() { local t=0; for p in $(pgrep -f "nginx: worker process" || true); do t=$((t + $(rss_of "$p"))); done; echo "$t"; }
declare -A RPS P50 P99
results=()
row() { # key, label, url, connections, rss-cmd, extra wrk args (headers)...
  local key=$1 label=$2 url=$3 conns=$4 rsscmd=$5; shift 5
  local threads=2; [ "$conns" -lt 2 ] && threads=1
  local out; out=$(wrk -t$threads -c"$conns" -d"$DURATION" --timeout 30s --latency -s bench/chat.lua "$@" "$url" 2>&1 | grep BENCH) || true
  local rps p50 p99 errors
  rps=$(echo "$out" | sed 's/.*rps=\([0-9]*\).*/\1/'); p50=$(echo "$out" | sed 's/.*p50_ms=\([0-9.]*\).*/\1/')
  p99=$(echo "$out" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/'); errors=$(echo "$out" | sed 's/.*errors=\([0-9]*\).*/\1/')
  RPS[$key]=$rps; P50[$key]=$p50; P99[$key]=$p99
  results+=("| $label | $conns | $rps | $p50 ms | $p99 ms | $errors | $($rsscmd) MiB |")
  echo "${results[-1]}" >&2
}
warm() { wrk -t2 -c32 -d"${WARMUP:-15s}" -s bench/chat.lua "$@" >/dev/null 2>&1 || true; }

start_gateway() { # openai base URL; sets gwpid and startup_ms
  local t0; t0=$(date +%s%N)
  GATEWAY_HTTP_PORT=$GW CAMEL_MANAGEMENT_PORT=$GWM GATEWAY_SIMULATOR_PORT=$SIM GATEWAY_SIMULATOR_MODE=off \
    GATEWAY_KAFKA_ENABLED=false CAMEL_MAIN_ROUTES_RELOAD_ENABLED=false \
    PROVIDER_OPENAI_BASE_URL="$1" PROVIDER_ANTHROPIC_BASE_URL="http://127.0.0.1:$GOOD" \
    PROVIDER_DEEPSEEK_BASE_URL="http://127.0.0.1:$GOOD/v1" \
    java ${GATEWAY_JAVA_OPTS:--Xmx512m} -jar target/ai-failover-gateway.jar > "$work/gateway.log" 2>&1 &
  gwpid=$!; pids+=("$gwpid")
  for _ in $(seq 1 300); do
    curl -sf -o /dev/null "localhost:$GWM/observe/health" && curl -sf -o /dev/null "localhost:$GW/v1/models" && break
    sleep 0.05
  done
  startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
}
stop_gateway() { kill "$gwpid"; wait "$gwpid" 2>/dev/null || true; }

echo "JVM: $(java -version 2>&1 | head -1); nginx: $("$NGINX" -v 2>&1 | sed 's/.*\///'); cores: $(nproc); $(date -u +%F)" >&2
req="http://127.0.0.1"
warm "$req:$GOOD/v1/chat/completions"
row stub "nginx stub, direct" "$req:$GOOD/v1/chat/completions" 32 nginx_rss
row stub1 "nginx stub, direct, c=1" "$req:$GOOD/v1/chat/completions" 1 nginx_rss
warm "$req:$PROXY/v1/chat/completions"
row proxy "nginx reverse proxy → stub" "$req:$PROXY/v1/chat/completions" 32 nginx_rss

start_gateway "http://127.0.0.1:$OAI/v1"; startup=$startup_ms
sleep 1; idle=$(rss_of "$gwpid")
grss() { rss_of "$gwpid"; }
# the JVM needs longer than nginx to reach its compiled speed (C2 shares the 2 cores with wrk and nginx)
WARMUP=${GATEWAY_WARMUP:-45s} warm "$req:$GW/v1/chat/completions"
row gw "gateway, single provider → stub" "$req:$GW/v1/chat/completions" 32 grss
row gw1 "gateway, c=1" "$req:$GW/v1/chat/completions" 1 grss
write_conf dead; "$NGINX" -p "$work" -c nginx.conf -s reload 2>/dev/null; sleep 1   # the primary now answers 500
wrk -t1 -c4 -d3s -s bench/chat.lua "$req:$GW/v1/chat/completions" >/dev/null 2>&1   # opens openai's breaker
row gwfb "gateway, dead primary (500) → anthropic" "$req:$GW/v1/chat/completions" 32 grss
stop_gateway

PK_BIN=bench/portkey/node_modules/@portkey-ai/gateway/build/start-server.js
if [ -f "$PK_BIN" ]; then
  node "$PK_BIN" --port=$PK > "$work/portkey.log" 2>&1 &
  pkpid=$!; pids+=("$pkpid")
  for _ in $(seq 1 100); do curl -s -o /dev/null "localhost:$PK" && break; sleep 0.1; done
  prss() { rss_of "$pkpid"; }
  single=(-H "x-portkey-provider: openai" -H "x-portkey-custom-host: http://127.0.0.1:$GOOD/v1" -H "Authorization: Bearer stub")
  fallback=(-H "x-portkey-config: {\"strategy\":{\"mode\":\"fallback\"},\"targets\":[{\"provider\":\"openai\",\"custom_host\":\"http://127.0.0.1:$DEAD/v1\",\"api_key\":\"stub\"},{\"provider\":\"openai\",\"custom_host\":\"http://127.0.0.1:$GOOD/v1\",\"api_key\":\"stub\"}]}")
  warm "${single[@]}" "$req:$PK/v1/chat/completions"
  row pk "Portkey gateway, single provider → stub" "$req:$PK/v1/chat/completions" 32 prss "${single[@]}"
  row pkfb "Portkey gateway, fallback past a 500" "$req:$PK/v1/chat/completions" 32 prss "${fallback[@]}"
fi

ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
added=$(awk -v g="${P50[gw1]}" -v s="${P50[stub1]}" 'BEGIN { printf "%.2f", g - s }')
mkdir -p bench/results
{
  echo "Run $(date -u +%FT%TZ) on $(nproc) cores, $(java -version 2>&1 | head -1), nginx $("$NGINX" -v 2>&1 | sed 's/.*\///'); wrk -t2, $DURATION per row, gateway ${GATEWAY_JAVA_OPTS:--Xmx512m}"
  echo
  echo "| scenario | connections | rps | p50 | p99 | errors | RSS |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${results[@]}"
  echo
  echo "| ratio | value | target |"
  echo "| --- | --- | --- |"
  [ -n "${RPS[pk]:-}" ] && echo "| gateway / Portkey (single) | $(ratio "${RPS[gw]}" "${RPS[pk]}")× | ≥ 10× |"
  [ -n "${RPS[pkfb]:-}" ] && echo "| gateway / Portkey (fallback) | $(ratio "${RPS[gwfb]}" "${RPS[pkfb]}")× | |"
  echo "| gateway / nginx proxy | $(ratio "${RPS[gw]}" "${RPS[proxy]}")× | ≥ 0.15× |"
  echo "| gateway fallback / single | $(ratio "${RPS[gwfb]}" "${RPS[gw]}")× | ≥ 0.9× |"
  echo "| p50 added at c=1 (gateway − stub direct) | $added ms | ≤ 0.3 ms |"
  echo "| gateway start-up to ready | $startup ms | |"
  echo "| gateway idle RSS | $idle MiB | |"
} > bench/results/compare.md
if [ "${KAFKA:-0}" = 1 ]; then
  echo >> bench/results/compare.md
  bench/kafka.sh 2>&1 | grep '^|' >> bench/results/compare.md || true
fi
cat bench/results/compare.md
echo "rerun: bench/compare.sh   (DURATION=30s for longer rows; npm ci --prefix bench/portkey for the Portkey rows)"
