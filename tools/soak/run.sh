#!/usr/bin/env bash
# Soak (issue 8 part 4, and P7 of issue 9): the real fusion job under a steady load for a bounded
# time, sampled as an operator would see it.
#
#   tools/soak/run.sh [--streams N] [--minutes M] [--rate R] [--sample-s S] [--checkpoint-s C]
#
# An embedded KRaft Kafka broker (a child JVM on 127.0.0.1) -> the fuse job in a MiniCluster
# (FuseJob.defineFromKafka, JobConfig, exactly-once Kafka sinks, checkpoints every C s) -> Kafka,
# fed by a producer at a fixed R input records/s in all: N streams, each 1 fps video, 200 ms audio
# chunks and a caption every 4 s (4 s windows). Every S s it prints a progress line with the heap
# after a full GC (of the JVM that runs the job), the latest checkpoint's size and duration (Flink
# REST /jobs/<id>/checkpoints), the job's consumer-group lag per input topic (Kafka Admin), the
# records/s the job commits and its committed predictions/s. At the end: the table of samples, the
# aligner's counters (late records, idle flushes, windows forced out: all must stay 0 at a steady
# in-order rate) and a verdict per criterion (MET/MISS); the exit status is 0 only if all are met.
#
# Bounded: the JVM runs under `timeout` (minutes + 5 min); it stops the producer, cancels the job
# and closes the broker itself. Only the JVM this script starts (and its broker child) is ended.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

streams=1000 minutes=10 rate=800 sample_s=15 checkpoint_s=10
usage() { sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; cat <<HELP

Options (defaults in brackets):
  --streams N       concurrent streams [$streams]
  --minutes M       wall-clock duration of the load [$minutes]
  --rate R          input records/s, all streams and topics together [$rate]; at R the event time
                    advances R / (N x 6.25) s per second (6.25 records per stream-second)
  --sample-s S      seconds between samples [$sample_s]
  --checkpoint-s C  checkpoint interval, seconds [$checkpoint_s]
  --heap SIZE       -Xmx of the JVM that runs the job [3g]; the criterion is 2 GB
Output: flink-jobs/target/soak/soak-<time>.txt (and the build log next to it).
HELP
}
heap=3g
while [[ $# -gt 0 ]]; do
  case $1 in
    --streams) streams=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --sample-s) sample_s=$2; shift 2 ;;
    --checkpoint-s) checkpoint_s=$2; shift 2 ;;
    --heap) heap=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
seconds=$(awk -v m="$minutes" 'BEGIN { printf "%d", m * 60 }')
out="$root/flink-jobs/target/soak"
mkdir -p "$out"
log="$out/build.log"
: >"$log"
# shellcheck source=tools/bench/java-env.sh
source "$root/tools/bench/java-env.sh"

result="$out/soak-$(date -u +%Y%m%dT%H%M%SZ).txt"
echo "soak: $streams streams, $minutes min, $rate records/s, load average $(cut -d' ' -f1-3 /proc/loadavg); output $result"
# -XX:+HeapDumpOnOutOfMemoryError: if the heap does run out, the dump says what held it.
timeout --signal=TERM --kill-after=60 $((seconds + 300)) \
  java -Xmx"$heap" -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath="$out" "${jvm[@]}" \
  -cp "$jobs_cp" io.avfuse.jobs.bench.LiveBenchmark soak "$streams" "$seconds" "$rate" "$sample_s" "$checkpoint_s" \
  2>&1 | grep --line-buffered -v -e '^SLF4J' -e 'WARN' | tee "$result" |
  grep --line-buffered -E '^(SOAK|  \[|  checkpoints|\||MET|MISS|RESULT|Exception|Caused)'
rc=${PIPESTATUS[0]}
if [[ $rc != 0 ]]; then
  echo "soak JVM ended with exit status $rc (124: it ran past $((seconds + 300)) s); see $result"
  exit "$rc"
fi
grep -q '^SOAK PASSED' "$result"
