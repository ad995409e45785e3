#!/usr/bin/env bash
# Scale-out benchmark: Kafka throughput of 1, 2 and 3 gateway instances in one consumer group, every
# answer taking 500 ms at the upstream (each instance's simulator). One broker, N records per row, timed
# until every record has its reply (bench/ScaleBench.java). Two series: the shipped
# gateway.kafka.max-in-flight (8192 per instance: on one machine the shared cores are the limit), and a
# capped one (CAPPED=32 per instance, CAPPED_N records) where each instance's in-flight is the limit, as
# with a provider's concurrency quota per instance: there, instances add throughput.
#   bench/scale.sh                          (needs: mvn; JDK 21+ recommended)
#   N=12000 CAPPED=64 CAPPED_N=6000 INSTANCES=1,2,3,4 bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64; do
  [ -x "$jdk/bin/java" ] && export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH" && break
done
[ -f target/ai-failover-gateway.jar ] || mvn -q -B package -DskipTests
export N=${N:-6000} INSTANCES=${INSTANCES:-1,2,3} UPSTREAM_LATENCY=${UPSTREAM_LATENCY:-500ms}
CAPPED=${CAPPED:-32}; CAPPED_N=${CAPPED_N:-3000}
mkdir -p target/bench
bench() {
  java -Xmx768m -cp 'target/classes:target/lib/*' bench/ScaleBench.java 2>target/bench/scale-bench.err | grep -E '^\||records per row' \
    || { echo "failed: see target/bench/scale-bench.err and target/bench/scale-*.log" >&2; exit 1; }
}
echo "## shipped gateway.kafka.max-in-flight"
MAX_IN_FLIGHT= bench
echo
echo "## gateway.kafka.max-in-flight=$CAPPED per instance"
N=$CAPPED_N MAX_IN_FLIGHT=$CAPPED bench
echo
echo "rerun: bench/scale.sh   (N=12000 CAPPED=64 CAPPED_N=6000 INSTANCES=1,2,3,4 bench/scale.sh; instance logs in target/bench/)"
