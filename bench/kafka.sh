#!/usr/bin/env bash
# Kafka path benchmark: the gateway jar with its embedded broker, its provider openai pointed at an nginx stub
# (the same upstream as bench/compare.sh's HTTP rows, not the in-JVM simulator). N request records are produced
# (bench/KafkaBench.java) and the time until every one has its reply is measured.
#   bench/kafka.sh          (needs: mvn, nginx, node; JDK 21+ recommended)
# Rows: fast upstream (nginx answers at once) and a 2 s upstream (LLM-like: nginx proxies to bench/slow-upstream.js,
# a node server that answers after 2 s — this nginx has no echo_sleep), and the ceiling on this machine: a plain
# consume→produce pipe (bench/KafkaPipe.java: same broker, partitions, consumer count, poll size, reply topic and
# producer settings; its request topic is ai.requests.pipe, so the gateway does not read it). Every request must
# be answered. WARM_N records warm the JVM first (~45 s of load at the issue's figures).
set -euo pipefail
cd "$(dirname "$0")/.."
FAST_N=${FAST_N:-60000}
SLOW_N=${SLOW_N:-30000}
WARM_N=${WARM_N:-150000}
PORT=${PORT:-18080}; MPORT=${MPORT:-18876}; SIM=${SIM:-18099}; KPORT=${KPORT:-19092}; STUB=${STUB:-19301}; SLOWP=${SLOWP:-19302}
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "nginx missing: apt-get install -y nginx"; exit 1; }
command -v node >/dev/null || { echo "node missing (the 2 s upstream)"; exit 1; }
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests
work=$(mktemp -d)
openai='{"id":"chatcmpl-stub","object":"chat.completion","created":1700000000,"model":"stub-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the stub upstream."},"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
write_conf() { # $1: fast | slow
  local answer="return 200 '$openai'"
  [ "$1" = slow ] && answer="proxy_pass http://slow; proxy_http_version 1.1; proxy_set_header Connection \"\""
  cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/error.log warn;
events { worker_connections 16384; }
http {
  access_log off;
  upstream slow { server 127.0.0.1:$SLOWP; keepalive 4096; }
  server {
    listen 127.0.0.1:$STUB backlog=8192;
    location = /v1/chat/completions { default_type application/json; $answer; }
    location / { default_type application/json; return 200 '{"object":"list","data":[{"id":"stub-model","object":"model"}]}'; }
  }
}
CONF
}
write_conf fast; mkdir -p "$work/logs"; "$NGINX" -p "$work" -c nginx.conf
node bench/slow-upstream.js "$SLOWP" 2000 & slowpid=$!
log=$work/gateway.log
GATEWAY_HTTP_PORT=$PORT CAMEL_MANAGEMENT_PORT=$MPORT GATEWAY_SIMULATOR_PORT=$SIM GATEWAY_SIMULATOR_MODE=off \
  PROVIDER_OPENAI_BASE_URL="http://127.0.0.1:$STUB/v1" \
  GATEWAY_KAFKA_EMBEDDED_PORT=$KPORT GATEWAY_KAFKA_EMBEDDED_DATA_DIR="$work/kafka" CAMEL_MAIN_ROUTES_RELOAD_ENABLED=false \
  java ${GATEWAY_JAVA_OPTS:--Xmx512m} -jar target/ai-failover-gateway.jar > "$log" 2>&1 &
gw=$!
pipe=
cleanup() { # every step may fail (a process already gone): none may stop the others
  [ -n "$pipe" ] && kill "$pipe" 2>/dev/null || true
  kill "$gw" "$slowpid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$gw" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$gw" 2>/dev/null || true; wait "$gw" 2>/dev/null || true
  # nginx must go: it would keep holding an inherited lock (flock /tmp/bench.lock bench/kafka.sh)
  "$NGINX" -p "$work" -c nginx.conf -s stop 2>/dev/null || true
  for _ in $(seq 1 20); do [ -f "$work/nginx.pid" ] || break; sleep 0.25; done
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 300); do grep -q "Subscribing to topic" "$log" && break; sleep 0.2; done
B=127.0.0.1:$KPORT
rss() { awk '/VmRSS/ {printf "%d MiB", $2/1024}' "/proc/$gw/status" 2>/dev/null || echo "?"; }
run() { java -cp 'target/lib/*' bench/KafkaBench.java "$B" "$2" "$1" ${3:-} 2>/dev/null; }
echo "Run $(date -u +%FT%TZ) on $(nproc) cores ($(uptime | sed 's/.*load/load/')), $(java -version 2>&1 | head -1), gateway ${GATEWAY_JAVA_OPTS:--Xmx512m}"
echo
run "warm-up (not a result)" "$WARM_N" >/dev/null
echo "| scenario | requests | answered | failed | duplicates | time | requests/s |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
rps() { echo "$1" | awk -F'|' '{gsub(/ /, "", $8); print $8}'; }
fast=$(run "Kafka: gateway, fast upstream (nginx stub)" "$FAST_N"); echo "$fast"
echo "(gateway RSS after the fast row: $(rss))" >&2
write_conf slow; "$NGINX" -p "$work" -c nginx.conf -s reload; sleep 1
slow=$(run "Kafka: gateway, 2 s upstream (nginx → node, 2 s)" "$SLOW_N"); echo "$slow"
echo "(gateway RSS after the slow row: $(rss))" >&2
# the ceiling: same broker, a pipe without the gateway (its own request topic, the same reply topic)
partitions=$(grep -E '^gateway.kafka.partitions' config/application.properties | sed 's/.*= *//')
consumers=$(grep -E '^gateway.kafka.consumers' config/application.properties | sed 's/.*= *//')
inflight=${GATEWAY_KAFKA_MAX_IN_FLIGHT:-$(grep -E "^gateway.kafka.max-in-flight" config/application.properties | sed "s/.*= *//")}
java -cp 'target/lib/*' bench/KafkaPipe.java "$B" ai.requests.pipe ai.responses "$partitions" "$consumers" $((inflight / consumers)) 2>"$work/pipe.log" &
pipe=$!
sleep 8
run "warm-up pipe (not a result)" 20000 ai.requests.pipe >/dev/null
ceiling=$(run "Kafka: ceiling, plain consume→produce pipe (no gateway)" "$FAST_N" ai.requests.pipe); echo "$ceiling"
verdict() { awk -v v="${1:-0}" -v t="$2" 'BEGIN { print (v >= t ? "met" : "missed") }'; }
share() { awk -v a="${1:-0}" -v b="${2:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
echo
echo "| Kafka target | requests/s | gateway / pipe ceiling | target | |"
echo "| --- | --- | --- | --- | --- |"
echo "| fast upstream | $(rps "$fast") | $(share "$(rps "$fast")" "$(rps "$ceiling")")× | ≥ 5,000 | $(verdict "$(rps "$fast")" 5000) |"
echo "| 2 s upstream | $(rps "$slow") | $(share "$(rps "$slow")" "$(rps "$ceiling")")× | ≥ 1,000 | $(verdict "$(rps "$slow")" 1000) |"
echo
echo "rerun: bench/kafka.sh   (WARM_N=$WARM_N FAST_N=$FAST_N SLOW_N=$SLOW_N; KAFKA=1 bench/compare.sh adds these rows to its table)"
