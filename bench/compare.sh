#!/usr/bin/env bash
# Gateway vs a bare nginx proxy vs Portkey, on one nginx stub upstream, in one run (issue 7's benchmark).
#   bench/compare.sh                       (needs: wrk, nginx — apt-get install -y wrk nginx; JDK 21+ recommended)
#   npm ci --prefix bench/portkey          (optional: adds the Portkey rows)
#   KAFKA=1 bench/compare.sh               (also runs bench/kafka.sh and adds its rows)
#   FLAME=1 bench/compare.sh               (also CPU flame graphs of the gateway's JSON and streamed rows:
#                                           bench/results/flame-*.html, async-profiler through bench/flame.sh)
#   WARMUP=5s GATEWAY_WARMUP=10s DURATION=5s bench/compare.sh    (a quick run while developing; the reported
#                                           run is the default: 45 s gateway warm-up, then 10 s per row)
# Every row: wrk -t2 -c32 -d$DURATION (c=1 for the latency rows), the same small chat request (bench/chat.lua).
# nginx serves a fixed OpenAI completion (good), a 500 (dead), a 429 with Retry-After (limited) and a
# 40-chunk SSE answer (sse, OpenAI chunk format ending in [DONE]); the gateway's primary port answers good,
# then sse, then a 2 s answer (nginx proxies to bench/slow-upstream.js, a separate node process), then
# (nginx -s reload each time) 500, so the gateway's rows run in one warm JVM.
# The gateway runs through bin/gateway, so its rows measure the README's run command and its JVM defaults;
# the JDK 17 rows (when /usr/lib/jvm/java-17-openjdk-amd64 or $JDK17 is there) run the same jar on JDK 17.
# Writes the table to bench/results/compare.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
JDK17=${JDK17:-/usr/lib/jvm/java-17-openjdk-amd64}
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk"; exit 1; }
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx missing: apt-get install -y nginx"; exit 1; }
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests

GOOD=19101 DEAD=19102 LIMITED=19103 PROXY=19104 OAI=19105 SSE=19106 PROXYS=19107 PROXYB=19108 SLOWP=19109 GW=19180 GWM=19876 SIM=19199 PK=19787
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; "$NGINX" -p "$work" -c nginx.conf -s stop 2>/dev/null || true; }
trap cleanup EXIT

openai='{"id":"chatcmpl-stub","object":"chat.completion","created":1700000000,"model":"stub-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the stub upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
anthropic='{"id":"msg_stub","type":"message","role":"assistant","model":"stub-model","content":[{"type":"text","text":"Hello from the stub upstream."}],"stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":7}}'
# a streamed answer: 40 chunks (role, 38 words, finish_reason with usage), then [DONE]
chunk() { printf 'data: {"id":"chatcmpl-stub","object":"chat.completion.chunk","created":1700000000,"model":"stub-model","choices":[%s]%s}\n\n' "$1" "${2:-}"; }
sse1=$( { chunk '{"index":0,"delta":{"role":"assistant","content":"Hello"},"finish_reason":null}'
  for i in $(seq 2 20); do chunk "{\"index\":0,\"delta\":{\"content\":\" word$i\"},\"finish_reason\":null}"; done; echo .; } )
sse2=$( { for i in $(seq 21 39); do chunk "{\"index\":0,\"delta\":{\"content\":\" word$i\"},\"finish_reason\":null}"; done
  chunk '{"index":0,"delta":{},"finish_reason":"stop"}' ',"usage":{"prompt_tokens":12,"completion_tokens":39,"total_tokens":51}'
  printf 'data: [DONE]\n\n.'; } )
sse1=${sse1%.} sse2=${sse2%.}   # keep the blank line that ends each half
# nginx takes at most 4 KiB in one parameter: the answer is set in two halves
sse="default_type text/event-stream; set \$sse1 '$sse1'; set \$sse2 '$sse2'; return 200 \"\$sse1\$sse2\""
write_conf() { # $1: what the gateway's primary (openai) port answers: good | sse | slow | dead
  local primary="default_type application/json; return 200 '$openai'"
  [ "$1" = sse ] && primary=$sse
  # an LLM-like upstream: the same completion after 2 s, from bench/slow-upstream.js (node) behind nginx
  [ "$1" = slow ] && primary="proxy_pass http://slow; proxy_http_version 1.1; proxy_set_header Connection \"\""
  [ "$1" = dead ] && primary="default_type application/json; return 500 '{\"error\":{\"message\":\"stub failure\",\"type\":\"server_error\"}}'"
  cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  upstream good { server 127.0.0.1:$GOOD; keepalive 128; }
  upstream slow { server 127.0.0.1:$SLOWP; keepalive 4096; }
  server {
    listen 127.0.0.1:$GOOD;
    location = /v1/chat/completions { default_type application/json; return 200 '$openai'; }
    location = /v1/messages { default_type application/json; return 200 '$anthropic'; }
    location / { default_type application/json; return 200 '{"object":"list","data":[{"id":"stub-model","object":"model"}]}'; }
  }
  server { listen 127.0.0.1:$DEAD; location / { default_type application/json; return 500 '{"error":{"message":"stub failure","type":"server_error"}}'; } }
  server { listen 127.0.0.1:$LIMITED; location / { add_header Retry-After 1 always; default_type application/json; return 429 '{"error":{"message":"rate limited","type":"requests","code":"rate_limit_exceeded"}}'; } }
  server { listen 127.0.0.1:$PROXY; location / { proxy_pass http://good; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  upstream sse { server 127.0.0.1:$SSE; keepalive 128; }
  server { listen 127.0.0.1:$SSE; location / { $sse; } }
  # how nginx is set up in front of an SSE upstream: no buffering, each chunk is passed on as it comes
  server { listen 127.0.0.1:$PROXYS; location / { proxy_pass http://sse; proxy_http_version 1.1; proxy_set_header Connection ""; proxy_buffering off; } }
  # the same with nginx's default buffering (a real SSE stream would then reach the client late)
  server { listen 127.0.0.1:$PROXYB; location / { proxy_pass http://sse; proxy_http_version 1.1; proxy_set_header Connection ""; } }
  # the gateway's primary: good, then sse, then dead (nginx -s reload) under the same gateway JVM
  server {
    listen 127.0.0.1:$OAI backlog=8192;
    location = /v1/chat/completions { $primary; }
    location / { default_type application/json; return 200 '{"object":"list","data":[{"id":"stub-model","object":"model"}]}'; }
  }
}
CONF
}
write_conf good
mkdir -p "$work/logs"
"$NGINX" -p "$work" -c nginx.conf
# the 2 s upstream of the 2,000-in-flight rows (node: apt-get install -y nodejs; without it those rows are left out)
if command -v node >/dev/null; then node bench/slow-upstream.js "$SLOWP" 2000 & pids+=($!); fi

rss_of() { awk '/VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }
nginx_rss() { local t=0; for p in $(pgrep -P "$(cat "$work/nginx.pid")" || true); do t=$((t + $(rss_of "$p"))); done; echo "$t"; }
declare -A RPS P50 P99 RSSV LABEL ERR
results=()
row() { # key, label, url, connections, rss-cmd, extra wrk args (headers)...
  local key=$1 label=$2 url=$3 conns=$4 rsscmd=$5; shift 5
  local threads=2; [ "$conns" -lt 2 ] && threads=1
  # FLAME=1: a CPU flame graph of the gateway during its JDK 25 JSON and streamed rows (bench/flame.sh)
  local flame=""; [ "${FLAME:-}" = 1 ] && case $key in gw|gw1|gws|gwns) flame=bench/results/flame-$key.html ;; esac
  [ -n "$flame" ] && bench/flame.sh start "$gwpid"
  local out; out=$(wrk -t$threads -c"$conns" -d"$DURATION" --timeout 30s --latency -s bench/chat.lua "$url" "$@" 2>&1 | grep BENCH) || true
  local rps p50 p99 errors
  rps=$(echo "$out" | sed 's/.*rps=\([0-9]*\).*/\1/'); p50=$(echo "$out" | sed 's/.*p50_ms=\([0-9.]*\).*/\1/')
  [ -n "$flame" ] && bench/flame.sh stop "$gwpid" "$flame" "$label" >&2
  p99=$(echo "$out" | sed 's/.*p99_ms=\([0-9.]*\).*/\1/'); errors=$(echo "$out" | sed 's/.*errors=\([0-9]*\).*/\1/')
  RPS[$key]=$rps; P50[$key]=$p50; P99[$key]=$p99; RSSV[$key]=$($rsscmd); LABEL[$key]=$label; ERR[$key]=$errors
  results+=("| $label | $conns | $rps | $p50 ms | $p99 ms | $errors | ${RSSV[$key]} MiB |")
  echo "${results[-1]}" >&2
}
warm() { wrk -t2 -c32 -d"${WARMUP:-15s}" -s bench/chat.lua "$@" >/dev/null 2>&1 || true; }

start_gateway() { # java binary, openai base URL ("sim": the in-JVM simulator for every provider)[, extra env...];
  # sets gwpid and startup_ms (exec to the first 200 on /v1/models)
  local java=$1 base=$2 t0 upstreams=(); shift 2
  [ "$base" = sim ] || upstreams=(PROVIDER_OPENAI_BASE_URL="$base" PROVIDER_ANTHROPIC_BASE_URL="http://127.0.0.1:$GOOD"
    PROVIDER_DEEPSEEK_BASE_URL="http://127.0.0.1:$GOOD/v1")
  t0=$(date +%s%N)
  env GATEWAY_HTTP_PORT=$GW CAMEL_MANAGEMENT_PORT=$GWM GATEWAY_SIMULATOR_PORT=$SIM GATEWAY_SIMULATOR_MODE=off \
    GATEWAY_KAFKA_ENABLED=false CAMEL_MAIN_ROUTES_RELOAD_ENABLED=false "${upstreams[@]}" GATEWAY_JAVA="$java" "$@" \
    bin/gateway > "$work/gateway.log" 2>&1 &
  gwpid=$!; pids+=("$gwpid")
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "localhost:$GW/v1/models" && break
    kill -0 "$gwpid" 2>/dev/null || { echo "the gateway did not start:"; grep ERROR "$work/gateway.log"; exit 1; } >&2
    sleep 0.02
  done
  startup_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
  for _ in $(seq 1 1500); do curl -sf -o /dev/null "localhost:$GWM/observe/health" && break; sleep 0.02; done
  ready_ms=$(( ($(date +%s%N) - t0) / 1000000 ))   # /observe/health UP: chat requests are taken
}
stop_gateway() { kill "$gwpid"; wait "$gwpid" 2>/dev/null || true; }
grss() { rss_of "$gwpid"; }
gw_rows() { # java binary, row-key suffix, label suffix, "all" for every row (else the c=32 JSON and streamed rows)
  local java=$1 k=$2 l=$3
  start_gateway "$java" "http://127.0.0.1:$OAI/v1"; STARTUP[j$k]=$startup_ms READY[j$k]=$ready_ms
  sleep 1; IDLE[j$k]=$(grss)
  # the JVM needs longer than nginx to reach its compiled speed (C2 shares the 2 cores with wrk and nginx)
  WARMUP=$GATEWAY_WARMUP warm "$req:$GW/v1/chat/completions"
  row "gw$k" "gateway, single provider → stub$l" "$req:$GW/v1/chat/completions" 32 grss
  [ "$4" = all ] && row "gw1$k" "gateway, c=1$l" "$req:$GW/v1/chat/completions" 1 grss
  write_conf sse; "$NGINX" -p "$work" -c nginx.conf -s reload 2>/dev/null; sleep 1   # the primary now streams
  WARMUP=$STREAM_WARMUP warm "$req:$GW/v1/chat/completions" -- stream
  row "gws$k" "gateway, stream: true → 40-chunk stream$l" "$req:$GW/v1/chat/completions" 32 grss -- stream
  row "gwns$k" "gateway, non-streaming → 40-chunk stream (internal stream)$l" "$req:$GW/v1/chat/completions" 32 grss
  if command -v node >/dev/null; then
    # 2,000 LLM-like calls held at once (each answered after 2 s by node behind nginx): ideal 1,000 rps
    write_conf slow; "$NGINX" -p "$work" -c nginx.conf -s reload 2>/dev/null; sleep 1
    wrk -t2 -c2000 -d"$SLOW_WARMUP" --timeout 30s -s bench/chat.lua "$req:$GW/v1/chat/completions" >/dev/null 2>&1 || true
    # the row measures the 2 s upstream only if openai answers it (an open breaker would fall back to the fast stub)
    local by; by=$(curl -s -D- -o /dev/null -H 'Content-Type: application/json' \
      -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"Say hello in five words"}],"max_tokens":16}' \
      "$req:$GW/v1/chat/completions" | tr -d '\r' | awk -F': ' 'tolower($1) == "x-gateway-provider" { print $2 }')
    local note=""; [ "$by" = openai ] || note=" — NOT MEASURED: answered by '${by:-none}', not the 2 s upstream"
    row "slow$k" "gateway, 2 s upstream (nginx → node), 2,000 in flight$l$note" "$req:$GW/v1/chat/completions" 2000 grss
  fi
  if [ "$4" = all ]; then
    write_conf dead; "$NGINX" -p "$work" -c nginx.conf -s reload 2>/dev/null; sleep 1   # the primary now answers 500
    wrk -t1 -c4 -d3s -s bench/chat.lua "$req:$GW/v1/chat/completions" >/dev/null 2>&1   # opens openai's breaker
    row "gwfb$k" "gateway, dead primary (500) → anthropic$l" "$req:$GW/v1/chat/completions" 32 grss
  fi
  write_conf good; "$NGINX" -p "$work" -c nginx.conf -s reload 2>/dev/null; sleep 1
  stop_gateway
}

echo "JVM: $(java -version 2>&1 | head -1); nginx: $("$NGINX" -v 2>&1 | sed 's/.*\///'); cores: $(nproc); $(date -u +%F); load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
req="http://127.0.0.1"; load0=$(cut -d' ' -f1-3 /proc/loadavg)
warm "$req:$GOOD/v1/chat/completions"
row stub "nginx stub, direct" "$req:$GOOD/v1/chat/completions" 32 nginx_rss
row stub1 "nginx stub, direct, c=1" "$req:$GOOD/v1/chat/completions" 1 nginx_rss
warm "$req:$PROXY/v1/chat/completions"
row proxy "nginx reverse proxy → stub" "$req:$PROXY/v1/chat/completions" 32 nginx_rss

JDK25=$(command -v java)
declare -A STARTUP READY IDLE
GATEWAY_WARMUP=${GATEWAY_WARMUP:-45s} STREAM_WARMUP=${STREAM_WARMUP:-15s} SLOW_WARMUP=${SLOW_WARMUP:-10s}
warm "$req:$PROXYS/v1/chat/completions" -- stream
row sproxy "nginx reverse proxy → 40-chunk stream (proxy_buffering off)" "$req:$PROXYS/v1/chat/completions" 32 nginx_rss -- stream
row sproxyb "nginx reverse proxy → 40-chunk stream (buffered)" "$req:$PROXYB/v1/chat/completions" 32 nginx_rss -- stream
gw_rows "$JDK25" "" "" all
if [ -x "$JDK17/bin/java" ]; then
  gw_rows "$JDK17/bin/java" 17 " (JDK 17)" some
fi

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
  streamed=(-H "x-portkey-provider: openai" -H "x-portkey-custom-host: http://127.0.0.1:$SSE/v1" -H "Authorization: Bearer stub")
  warm "${streamed[@]}" "$req:$PK/v1/chat/completions" -- stream
  row pks "Portkey gateway, stream: true → 40-chunk stream" "$req:$PK/v1/chat/completions" 32 prss "${streamed[@]}" -- stream
fi

ratio() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# a target row: label, value, ≥ | ≤, target, unit
check() {
  local met; met=$(awk -v v="${2:-}" -v op="$3" -v t="$4" 'BEGIN { if (v == "" || v == "n/a") print "n/a";
    else if ((op == "≥" && v + 0 >= t + 0) || (op == "≤" && v + 0 <= t + 0)) print "met"; else print "**missed**" }')
  echo "| $1 | ${2:-n/a}$5 | $3 $4$5 | $met |"
}
added=$(awk -v g="${P50[gw1]:-}" -v s="${P50[stub1]:-}" 'BEGIN { if (g == "" || s == "") print "n/a"; else printf "%.2f", g - s }')
p99x() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f", a / b }'; }
mkdir -p bench/results
{
  echo "Run $(date -u +%FT%TZ) on $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), load average before the run: $load0"
  echo "$(java -version 2>&1 | head -1); JDK 17 rows: $("$JDK17/bin/java" -version 2>&1 | head -1); nginx $("$NGINX" -v 2>&1 | sed 's/.*\///')"
  echo "wrk -t2, gateway warm-up $GATEWAY_WARMUP (streamed: + $STREAM_WARMUP), then $DURATION per row; the gateway runs as bin/gateway starts it: ${GATEWAY_JAVA_OPTS:-its default JVM flags}; JDK 25 AOT cache (bin/gateway --aot-train): $([ -f target/ai-failover-gateway.aot ] && echo used || echo none)"
  echo
  echo "| scenario | connections | rps | p50 | p99 | errors | RSS |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${results[@]}"
  echo
  echo "| target | value | target | |"
  echo "| --- | --- | --- | --- |"
  check "streamed: gateway stream: true / nginx proxy of the stream" "$(ratio "${RPS[gws]:-}" "${RPS[sproxy]:-}")" "≥" 0.3 "×"
  check "streamed: gateway non-streaming (internal stream) / nginx proxy of the stream" "$(ratio "${RPS[gwns]:-}" "${RPS[sproxy]:-}")" "≥" 0.3 "×"
  echo "| streamed: gateway stream: true / nginx proxy of the stream, buffered | $(ratio "${RPS[gws]:-}" "${RPS[sproxyb]:-}")× | | |"
  # a row whose answers failed (errors: non-2xx or broken) measures how fast it fails, not a comparison
  [ -n "${RPS[pks]:-}" ] && echo "| streamed: gateway / Portkey streaming | $([ "${ERR[pks]}" = 0 ] && echo "$(ratio "${RPS[gws]}" "${RPS[pks]}")×" || echo "n/a: Portkey's streamed answers failed (${ERR[pks]} errors)") | | |"
  check "JSON: gateway / nginx proxy" "$(ratio "${RPS[gw]:-}" "${RPS[proxy]:-}")" "≥" 0.35 "×"
  check "JSON: gateway / Portkey (single)" "$(ratio "${RPS[gw]:-}" "${RPS[pk]:-}")" "≥" 12 "×"   # n/a without bench/portkey
  [ -n "${RPS[pkfb]:-}" ] && echo "| JSON: gateway / Portkey (fallback) | $(ratio "${RPS[gwfb]}" "${RPS[pkfb]}")× | | |"
  check "JSON: p50 added at c=1 (gateway − stub direct)" "$added" "≤" 0.15 " ms"
  check "JSON: dead primary / single" "$(ratio "${RPS[gwfb]:-}" "${RPS[gw]:-}")" "≥" 0.95 "×"
  if [ -n "${RPS[gw17]:-}" ]; then
    check "JDK 17 / JDK 25 p99, c=32 JSON" "$(p99x "${P99[gw17]}" "${P99[gw]}")" "≤" 2 "×"
    check "JDK 17 / JDK 25 p99, c=32 streamed" "$(p99x "${P99[gws17]}" "${P99[gws]}")" "≤" 2 "×"
    echo "| JDK 17 / JDK 25 rps, c=32 JSON | $(ratio "${RPS[gw17]}" "${RPS[gw]}")× | | |"
  fi
  for k in "" 17; do
    [ -n "${RPS[slow$k]:-}" ] && [[ "${LABEL[slow$k]}" != *"NOT MEASURED"* ]] && echo "| 2,000 slow in flight${k:+ (JDK $k)}: rps / the ideal 1,000 (2,000 / 2 s); p50 − 2 s | $(ratio "${RPS[slow$k]}" 1000)×; $(awk -v p="${P50[slow$k]}" 'BEGIN { printf "%.0f", p - 2000 }') ms | | |"
  done
  for k in gw gws gwns slow gw17 gws17 gwns17 slow17; do
    [ -n "${RSSV[$k]:-}" ] && check "RSS, ${LABEL[$k]}" "${RSSV[$k]}" "≤" 256 " MiB"
  done
  for k in "" 17; do
    [ -n "${STARTUP[j$k]:-}" ] && check "start-up, exec to the first 200 on /v1/models${k:+ (JDK $k)}" "${STARTUP[j$k]}" "≤" 2000 " ms"
    [ -n "${READY[j$k]:-}" ] && check "start-up, exec to ready (/observe/health UP)${k:+ (JDK $k)}" "${READY[j$k]}" "≤" 2000 " ms"
    [ -n "${IDLE[j$k]:-}" ] && echo "| idle RSS${k:+ (JDK $k)} | ${IDLE[j$k]} MiB | | |"
  done
} > bench/results/compare.md
if [ "${KAFKA:-0}" = 1 ]; then
  echo >> bench/results/compare.md
  bench/kafka.sh 2>&1 | grep '^|' >> bench/results/compare.md || true
fi
cat bench/results/compare.md
echo "rerun: bench/compare.sh   (npm ci --prefix bench/portkey first for the Portkey rows; WARMUP=5s GATEWAY_WARMUP=10s DURATION=5s for a quick run)"
