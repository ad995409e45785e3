#!/usr/bin/env bash
# HTTP path benchmark: the gateway jar (embedded simulator as upstream) under wrk.
#   bench/http.sh            (needs: mvn, wrk — apt-get install wrk; JDK 21+ recommended)
# Rows: fast upstream at c=32 (plain, and streamed); a 2 s upstream at c=2000, which shows how many slow
# LLM calls the gateway holds at once (rps ~= in-flight / 2 s); a third of the streams cut mid-answer and
# continued by the next provider; dead primary (breaker open) at c=32.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10s}
PORT=${PORT:-18080}
SIM=${SIM:-18099}
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
command -v wrk >/dev/null || { echo "wrk missing: apt-get install -y wrk"; exit 1; }
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests

log=$(mktemp)
GATEWAY_HTTP_PORT=$PORT GATEWAY_SIMULATOR_PORT=$SIM GATEWAY_SIMULATOR_MODE=on GATEWAY_SIMULATOR_LATENCY=0ms GATEWAY_SIMULATOR_CHUNK_INTERVAL=0ms GATEWAY_KAFKA_ENABLED=false BREAKER_FAILURE_RATE_THRESHOLD=90 \
  CAMEL_MAIN_ROUTES_RELOAD_ENABLED=false java -Xmx512m -jar target/ai-failover-gateway.jar > "$log" 2>&1 &
gw=$!
trap 'kill $gw 2>/dev/null; wait $gw 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do curl -sf -o /dev/null "localhost:$PORT/v1/models" && break; sleep 0.2; done
url="http://127.0.0.1:$PORT/v1/chat/completions"
sim() { curl -sf -X PUT "localhost:$SIM/_sim/$1" -d "$2" >/dev/null; }
rss() { awk '/VmRSS/ {printf "%d", $2/1024}' /proc/$gw/status; }
row() { # name, connections, duration[, "stream"]
  local out; out=$(wrk -t2 -c"$2" -d"$3" --timeout 30s --latency -s bench/chat.lua "$url" -- "${4:-}" 2>&1 | grep BENCH)
  printf '| %s | %s | %s | %s MiB |\n' "$1" "$2" "$(echo "$out" | sed 's/BENCH //')" "$(rss)"
}

echo "JVM: $(java -version 2>&1 | head -1); cores: $(nproc)"
wrk -t2 -c32 -d15s -s bench/chat.lua "$url" >/dev/null 2>&1   # JIT warm-up, not reported
echo "| scenario | connections | result | gateway RSS |"
echo "| --- | --- | --- | --- |"
row "single provider, fast upstream" 32 "$DURATION"
row "same, streamed to the client (stream: true)" 32 "$DURATION" stream
sim openai '{"latency_ms":2000}'
row "2 s upstream (LLM-like)" 2000 "${SLOW_DURATION:-20s}"
held=$(curl -s "localhost:$SIM/_sim/openai" | sed 's/.*"max_in_flight":\([0-9]*\).*/\1/')
# a third of openai's streams break after 5 chunks: anthropic continues them (breaker threshold 90 % here,
# so a run of bad luck in the window does not turn the row into the breaker-open path)
sim openai '{"fault":"cut","rate":0.33,"after_chunks":5,"latency_ms":0}'
row "1/3 of primary streams cut mid-answer -> continued" 32 "$DURATION" stream
sim openai '{"fault":"error","status":500,"latency_ms":0}'
wrk -t1 -c4 -d2s -s bench/chat.lua "$url" >/dev/null 2>&1    # opens openai's breaker
row "dead primary (breaker open) -> anthropic" 32 "$DURATION"
echo "2 s upstream: most calls the upstream held at once: $held"
echo "rerun: bench/http.sh   (DURATION=30s bench/http.sh for longer rows)"
