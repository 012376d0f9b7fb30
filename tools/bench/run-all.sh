#!/usr/bin/env bash
# Every avfuse benchmark in one command, then one table of ratios (docs/benchmarks.md).
#
#   tools/bench/run-all.sh            # quick sizes, about 15-25 min on 2 shared cores
#   tools/bench/run-all.sh --only P3,AB   # a subset: P1 P2 P3 P4 P5 P6 P7 SCALE AB COST
#   BENCH_FULL=1 tools/bench/run-all.sh   # the sizes docs/benchmarks.md used before issue 9
#
# Builds with test-compile (no `mvn install`), offline, then runs each benchmark in its own JVM
# under `timeout`, so the whole run is bounded. Each benchmark prints `RESULT|id|what|ratio|
# target|detail` lines; the table at the end is made of them, with the load average before each.
# Benchmarks are not tests: `./mvnw verify` never runs them.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
only=",${BENCH_ONLY:-P1,P2,P3,P4,P5,P6,P7,SCALE,AB,COST},"
if [[ "${1:-}" == "--only" ]]; then only=",$2,"; fi
want() { [[ "$only" == *",$1,"* ]]; }
full=${BENCH_FULL:-0}
out=${BENCH_OUT:-$root/flink-jobs/target/bench}
mkdir -p "$out"
log="$out/run-all.log"
: >"$log"

# shellcheck source=tools/bench/java-env.sh
source "$root/tools/bench/java-env.sh"

# run ID LIMIT_S HEAP CLASSPATH MAIN ARGS...: one benchmark JVM, bounded, output to the log.
run() {
  local id=$1 limit=$2 heap=$3 cp=$4 main=$5
  shift 5
  local load
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  echo "== $id: java $main $* (load average $load)" | tee -a "$log"
  timeout --signal=TERM --kill-after=30 "$limit" java -Xmx"$heap" "${jvm[@]}" -cp "$cp" "$main" "$@" \
    2>&1 | grep -v -e '^SLF4J' -e 'WARN' | tee "$out/$id.txt" | tee -a "$log" |
    grep -E '^(P[0-9]|SOAK|MET|MISS|COST|[|]|  (run|round)|median|RESULT|  [a-zA-Z[])'
  local rc=${PIPESTATUS[0]}
  [[ $rc == 0 ]] || echo "RESULT|$id|(did not finish: exit $rc, limit ${limit}s)|-|-|see $out/$id.txt" |
    tee -a "$log" >>"$out/$id.txt"
  sed -i "s/^RESULT|/RESULT|load $load|/" "$out/$id.txt"
}

model_pt="$root/flink-jobs/target/exported-models/torchscript-whole/model.pt"
megamind=/usr/share/doc/opencv-doc/examples/data/Megamind.avi
if [[ $full == 1 ]]; then
  p1=(20 120 32 5); p2=(256 32 5); p5=(200 20 5); p6=(20 60 5); p7=(1000 600 800)
else
  p1=(20 60 32 5); p2=(256 32 5); p5=(200 10 5); p6=(20 30 5); p7=(1000 180 800)
fi

want P6 && run P6 900 3g "$jobs_cp" io.avfuse.jobs.bench.LiveBenchmark latency "${p6[@]}"
want AB && run AB 300 1g "$jobs_cp" io.avfuse.jobs.align.AudioPathBenchmark 7 2000
want P2 && run P2 600 3g "$jobs_cp" io.avfuse.jobs.bench.InferenceBenchmark "${p2[@]}"
# BENCH_P3_ARGS="BATCH THREADS CALLS ROUNDS" (default 32 1 100 5): P3 at another batch or threads.
read -r -a p3 <<<"${BENCH_P3_ARGS:-32 1 100 5}"
want P3 && run P3 600 2g "$jobs_cp" io.avfuse.jobs.bench.TorchScriptBenchmark "$model_pt" "${p3[@]}"
want P4 && { [[ -f $megamind ]] && run P4 600 2g "$conn_cp" io.avfuse.connectors.ingest.IngestBenchmark "$megamind" 5 ||
  echo "RESULT|P4|(skipped: $megamind missing; apt-get install opencv-doc)|-|-|-" >"$out/P4.txt"; }
want P5 && run P5 900 2g "$jobs_cp" io.avfuse.jobs.bench.AlignBenchmark "${p5[@]}"
want P1 && run P1 1500 3g "$jobs_cp" io.avfuse.jobs.bench.EndToEndBenchmark "${p1[@]}"
want SCALE && run SCALE 1500 3g "$jobs_cp" io.avfuse.jobs.bench.EndToEndBenchmark 20 30 32 5 1,2
want COST && run COST 1800 3g "$jobs_cp" io.avfuse.jobs.bench.CostBenchmark 3
# P7 is the soak (tools/soak/run.sh runs the same with its table and every verdict).
want P7 && run P7 1800 3g "$jobs_cp" io.avfuse.jobs.bench.LiveBenchmark soak "${p7[@]}"

echo
echo "| id | load avg (1/5/15 min) | ratio | what | target | measured |" | tee "$out/table.md"
echo "|---|---|---|---|---|---|" | tee -a "$out/table.md"
cat "$out"/*.txt | grep '^RESULT|' |
  awk -F'|' '{printf "| %s | %s | %s | %s | %s | %s |\n", $3, substr($2, 6), $5, $4, $6, $7}' |
  tee -a "$out/table.md"
echo "(full output: $out)"
