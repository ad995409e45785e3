#!/usr/bin/env bash
# Kafka path benchmark: the gateway jar with its embedded broker and simulated providers; N request
# records are produced (bench/KafkaBench.java) and the time until every one has its reply is measured.
#   bench/kafka.sh          (needs: mvn; JDK 21+ recommended)
# Rows: fast upstream (0 ms) and a 2 s upstream (LLM-like). Every request must be answered.
set -euo pipefail
cd "$(dirname "$0")/.."
FAST_N=${FAST_N:-30000}
SLOW_N=${SLOW_N:-24000}
PORT=${PORT:-18080}; SIM=${SIM:-18099}; KPORT=${KPORT:-19092}
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests
data=$(mktemp -d)
log=$(mktemp)
GATEWAY_HTTP_PORT=$PORT GATEWAY_SIMULATOR_PORT=$SIM GATEWAY_SIMULATOR_MODE=on GATEWAY_SIMULATOR_LATENCY=0ms GATEWAY_SIMULATOR_CHUNK_INTERVAL=0ms \
  GATEWAY_KAFKA_EMBEDDED_PORT=$KPORT GATEWAY_KAFKA_EMBEDDED_DATA_DIR="$data" CAMEL_MAIN_ROUTES_RELOAD_ENABLED=false \
  java -Xmx1g ${GATEWAY_JAVA_OPTS:-} -jar target/ai-failover-gateway.jar > "$log" 2>&1 &
gw=$!
trap 'kill $gw 2>/dev/null; wait $gw 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 150); do grep -q "Subscribing to topic" "$log" && break; sleep 0.2; done
B=127.0.0.1:$KPORT

run() { java -cp 'target/lib/*' bench/KafkaBench.java "$B" "$2" "$1" 2>/dev/null; }
echo "JVM: $(java -version 2>&1 | head -1); cores: $(nproc)"
run "warm-up (not a result)" 5000 >/dev/null
echo "| scenario | requests | answered | failed | duplicates | time | requests/s |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
run "fast upstream" "$FAST_N"
curl -sf -X PUT "localhost:$SIM/_sim/openai" -d '{"latency_ms":2000}' >/dev/null
run "2 s upstream (LLM-like)" "$SLOW_N"
echo "rerun: bench/kafka.sh   (FAST_N=60000 SLOW_N=40000 bench/kafka.sh for longer runs)"
