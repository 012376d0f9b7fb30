#!/usr/bin/env bash
# P1 A/B across builds, for changes that have no job option to switch them (a state serializer,
# a network serializer): each build's classes are kept aside, then the builds take turns, one
# EndToEndBenchmark JVM of one round each, alternating which goes first, and the medians are
# compared (docs/benchmarks.md, "Issue 9, third round").
#
#   tools/bench/p1-ab-builds.sh snapshot NAME          # keep the working tree's last test-compile
#   tools/bench/p1-ab-builds.sh run ROUNDS NAME NAME... [-- P1 ARGS]   # default P1 args: 20 60 32
#
# Build first with run-all.sh (or its test-compile line). Snapshots live in $BENCH_BUILDS
# (default /tmp/avfuse-bench-builds); outputs in $BENCH_OUT (default flink-jobs/target/bench-ab).
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
builds=${BENCH_BUILDS:-/tmp/avfuse-bench-builds}

snapshot() {
  local d="$builds/$1" m c
  rm -rf "$d" && mkdir -p "$d"
  for m in flink-jobs connectors schemas deploy/local; do
    for c in classes test-classes; do
      if [[ -d $root/$m/target/$c ]]; then
        mkdir -p "$d/$m/target" && cp -r "$root/$m/target/$c" "$d/$m/target/$c"
      fi
    done
  done
  sed "s#$root/#$d/#g" "$root/flink-jobs/target/bench-classpath.txt" >"$d/bench-classpath.txt"
  echo "$d/flink-jobs/target/test-classes:$d/flink-jobs/target/classes:$(cat "$d/bench-classpath.txt")" >"$d/cp"
  echo "snapshot $1: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo '+changes')" |
    tee "$d/commit"
}

if [[ ${1:-} == snapshot ]]; then snapshot "$2"; exit; fi
[[ ${1:-} == run ]] || { sed -n 2,12p "$0"; exit 2; }
rounds=$2
shift 2
names=()
while [[ $# -gt 0 && $1 != -- ]]; do names+=("$1"); shift; done
[[ ${1:-} == -- ]] && shift
args=("$@")
[[ ${#args[@]} -gt 0 ]] || args=(20 60 32)
out=${BENCH_OUT:-$root/flink-jobs/target/bench-ab}
mkdir -p "$out"
log=$out/ab.log
: >"$log"
BENCH_NO_BUILD=1
# shellcheck source=tools/bench/java-env.sh
source "$root/tools/bench/java-env.sh" >/dev/null

for ((r = 1; r <= rounds; r++)); do
  order=("${names[@]}")
  # Round r starts with build (r-1) mod n: each build goes first equally often.
  for ((k = 0; k < (r - 1) % ${#names[@]}; k++)); do order=("${order[@]:1}" "${order[0]}"); done
  for n in "${order[@]}"; do
    load=$(cut -d' ' -f1-3 /proc/loadavg)
    timeout --signal=TERM --kill-after=30 1200 java -Xmx3g "${jvm[@]}" -cp "$(cat "$builds/$n/cp")" \
      io.avfuse.jobs.bench.EndToEndBenchmark "${args[@]}" 1 >"$out/$n-$r.txt" 2>&1
    line=$(grep -m1 '^  run 1:' "$out/$n-$r.txt" || echo "  run 1: (failed, see $out/$n-$r.txt)")
    echo "round $r $n (load $load):${line#  run 1:}" | tee -a "$log"
  done
done

echo
# Medians per build of end-to-end, direct and their per-round ratio (a round's ratio pairs its own
# end-to-end and direct runs).
python3 - "$log" "${names[@]}" <<'PY' | tee -a "$log"
import re, statistics, sys
log, names = sys.argv[1], sys.argv[2:]
rows = {n: [] for n in names}
for line in open(log):
    m = re.match(r"round \d+ (\S+) .*end-to-end ([\d.]+) win/s.*direct ([\d.]+) win/s.*ratio ([\d.]+)", line)
    if m and m[1] in rows:
        rows[m[1]].append([float(x) for x in m.groups()[1:]])
for n in names:
    if rows[n]:
        e, d, q = (statistics.median(c) for c in zip(*rows[n]))
        print(f"median {n}: end-to-end {e:.1f} win/s, direct {d:.1f} win/s, ratio {q:.2f} ({len(rows[n])} rounds)")
for a, b in zip(names, names[1:]):
    if rows[a] and rows[b]:
        ea, eb = statistics.median(r[0] for r in rows[a]), statistics.median(r[0] for r in rows[b])
        qa, qb = statistics.median(r[2] for r in rows[a]), statistics.median(r[2] for r in rows[b])
        print(f"{b} / {a}: end-to-end {eb / ea:.2f}, ratio {qb:.2f} vs {qa:.2f}")
PY
