#!/usr/bin/env bash
# Scale-out benchmark: Kafka throughput of 1, 2 and 3 gateway instances in one consumer group, every
# answer taking 500 ms at the upstream (each instance's simulator). One broker, N records per row, timed
# until every record has its reply (bench/ScaleBench.java). Two series: the shipped
# gateway.kafka.max-in-flight (8192 per instance), and a capped one (CAPPED, 256 per instance) where
# in-flight, not CPU, is the limit.
#   bench/scale.sh                          (needs: mvn; JDK 21+ recommended)
#   N=12000 INSTANCES=1,2,3,4 CAPPED=128 bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests
export N=${N:-6000} INSTANCES=${INSTANCES:-1,2,3} UPSTREAM_LATENCY=${UPSTREAM_LATENCY:-500ms}
CAPPED=${CAPPED:-256}
bench() { java -Xmx768m -cp 'target/classes:target/lib/*' bench/ScaleBench.java 2>/dev/null | grep -E '^\||records per row'; }
echo "## shipped gateway.kafka.max-in-flight"
MAX_IN_FLIGHT= bench
echo
echo "## gateway.kafka.max-in-flight=$CAPPED per instance"
MAX_IN_FLIGHT=$CAPPED bench
echo
echo "rerun: bench/scale.sh   (N=12000 INSTANCES=1,2,3,4 CAPPED=128 bench/scale.sh; instance logs in target/bench/)"
