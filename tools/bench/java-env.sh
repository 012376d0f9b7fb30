# Sourced by tools/bench/run-all.sh and tools/soak/run.sh: builds the test classpath of the working
# tree (test-compile, offline, no `mvn install`) and defines the benchmark JVM's settings.
#   needs: $root (the repository root), $log (build output goes there)
#   defines: jvm (array of JVM options), jobs_cp, conn_cp (classpaths)

#   BENCH_SKIP_BUILD=1 (or BENCH_NO_BUILD=1) reuses the last build (its classpath files must exist)
#   BENCH_JVM_OPTS: extra options for every benchmark JVM, e.g. a JFR recording:
#     BENCH_JVM_OPTS="-XX:StartFlightRecording=filename=/tmp/p1.jfr,settings=profile"

if [[ ${BENCH_SKIP_BUILD:-0} == 1 || ${BENCH_NO_BUILD:-0} == 1 ]]; then
  echo "not building (BENCH_SKIP_BUILD=1): running the last test-compile" | tee -a "$log"
else
  echo "building (test-compile, offline) ..." | tee -a "$log"
  (cd "$root" && ./mvnw -B -q -o -pl flink-jobs -am test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=test >>"$log" 2>&1) ||
    { echo "build failed, see $log"; exit 1; }
fi

export DJL_OFFLINE=true OPT_OUT_TRACKING=true
# Idle libtorch OpenMP teams (one per calling thread: each job's task thread, then main for P1's
# direct calls) otherwise spin and slowed P1's direct calls up to 6x (docs/benchmarks.md).
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-PASSIVE}
export DJL_CACHE_DIR="$root/.cache/djl" ENGINE_CACHE_DIR="$root/.cache/djl-engines"
mkdir -p "$root/flink-jobs/target/tmp"
jvm=(-XX:+UseParallelGC
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  -Dai.djl.offline=true
  -Dorg.bytedeco.javacpp.cachedir="$root/.cache/javacpp"
  -Djava.io.tmpdir="$root/flink-jobs/target/tmp"
  -Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.avfuse.schemas
  -Dorg.apache.avro.limits.bytes.maxLength=16777216
  -Dorg.apache.avro.limits.string.maxLength=4194304
  -Dorg.apache.avro.limits.collectionItems.maxLength=1048576
  -Dlog4j.configurationFile="$root/deploy/local/log4j-demo.properties"
  -Davfuse.project.root="$root")
read -r -a extra <<<"${BENCH_JVM_OPTS:-}"
jvm+=("${extra[@]}")
jobs_cp="$root/flink-jobs/target/test-classes:$root/flink-jobs/target/classes:$(cat "$root/flink-jobs/target/bench-classpath.txt")"
conn_cp="$root/connectors/target/test-classes:$root/connectors/target/classes:$(cat "$root/connectors/target/bench-classpath.txt")"
