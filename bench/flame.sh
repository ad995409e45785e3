#!/usr/bin/env bash
# CPU flame graphs of a running gateway with async-profiler (from Maven Central: tools.profiler:async-profiler,
# its Linux x64 agent), attached with jcmd, so any benchmark row can be profiled without restarting the JVM.
#   bench/flame.sh start <pid>                    start sampling the gateway JVM <pid> (cpu; itimer where perf
#                                                 events are not allowed)
#   bench/flame.sh stop <pid> <out.html> [title]  stop and write an interactive flame graph (open it in a browser)
# bench/compare.sh FLAME=1 does this around its JSON and streamed rows (bench/results/flame-*.html).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.2
lib=target/async-profiler/libasyncProfiler.so
if [ ! -f "$lib" ]; then
  jar=$HOME/.m2/repository/tools/profiler/async-profiler/$VERSION/async-profiler-$VERSION.jar
  [ -f "$jar" ] || mvn -q -B dependency:get -Dartifact=tools.profiler:async-profiler:$VERSION >/dev/null
  mkdir -p target/async-profiler
  unzip -p "$jar" linux-x64/libasyncProfiler.so > "$lib"
fi
pid=$2
# the jcmd of the JVM being profiled (an agent is loaded by the same JDK)
java=$(readlink -f "/proc/$pid/exe"); jcmd="$(dirname "$java")/jcmd"
event=cpu
[ "$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 3)" -le 1 ] || event=itimer
case "$1" in
  # one jcmd argument, the agent's options quoted: jcmd would read their "=" as its own option syntax
  start) "$jcmd" "$pid" "JVMTI.agent_load $(readlink -f "$lib") \"start,event=$event,interval=1ms\"" >/dev/null ;;
  stop)  out=$(readlink -f "$3")
         "$jcmd" "$pid" "JVMTI.agent_load $(readlink -f "$lib") \"stop,file=$out,title=${4:-gateway}\"" >/dev/null
         echo "flame graph: $3" ;;
  *) echo "usage: bench/flame.sh start <pid> | stop <pid> <out.html> [title]" >&2; exit 2 ;;
esac
