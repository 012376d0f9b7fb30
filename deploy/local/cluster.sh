#!/usr/bin/env bash
# A local multi-process avfuse system from the Maven jars: a Kafka KRaft cluster (bin/avfuse
# broker), a Flink standalone JobManager and TaskManagers (io.avfuse.deploy.local.LocalFlinkCluster),
# the fusion job submitted through Flink's REST API, and a stop that ends only the processes this
# script started (their pids are in the run directory). Everything binds 127.0.0.1.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
run_dir=${AVFUSE_CLUSTER_DIR:-$root/deploy/local/target/run}
lib="$root/deploy/local/target/lib"
launcher_classes="$root/deploy/local/target/classes"
job_jar="$root/flink-jobs/target/cluster/avfuse-flink-jobs-job.jar"
entry=io.avfuse.jobs.deploy.ClusterFuseJob

usage() {
  cat <<EOF
Usage: deploy/local/cluster.sh [--run-dir DIR] COMMAND [options]

Commands:
  start [--kafka-nodes 1|3] [--task-managers N] [--slots N] [--jm-memory SIZE] [--tm-memory SIZE]
        Build what is missing (Maven, no install), start Kafka (KRaft, creates the avfuse topics),
        a Flink JobManager and N TaskManagers (default 2 with 2 slots each, JobManager 768m,
        TaskManagers 1200m), wait until every TaskManager is registered, print the addresses.
  submit --model DIR [--parallelism P] [--config FILE] [--set key=value]...
        Upload the job jar (flink-jobs/target/cluster/avfuse-flink-jobs-job.jar, natives left out: they are in the
        cluster's lib/) through the REST API and run the fusion job on the cluster's Kafka with
        checkpoints in the run directory; wait until every task runs.
  status        Kafka and Flink processes, registered TaskManagers, jobs.
  kill-tm N     kill -9 TaskManager N (try recovery: the job restarts from its last checkpoint).
  stop          Stop Flink and Kafka: only the pids recorded in the run directory.

The run directory (default deploy/local/target/run, or \$AVFUSE_CLUSTER_DIR) holds the pids,
logs (log/), Flink's conf/config.yaml and the checkpoints.
EOF
}

if [ "${1:-}" = "--run-dir" ]; then
  run_dir=$(mkdir -p "$2" && cd "$2" && pwd)
  shift 2
fi
command=${1:-}
[ -n "$command" ] || { usage >&2; exit 2; }
shift

cluster() {
  java -cp "$launcher_classes" io.avfuse.deploy.local.ClusterCommand "$1" --run-dir "$run_dir/flink" "${@:2}"
}

# A pid from the run directory that is alive and still one of ours (its command line names the
# run directory), so that a recycled pid is never signalled.
own_pid() {
  local file=$1 pid
  [ -f "$file" ] || return 1
  pid=$(cat "$file")
  [ -r "/proc/$pid/cmdline" ] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$run_dir" \
    && echo "$pid"
}

build() {
  if [ -d "$lib" ] && [ -d "$launcher_classes" ] && [ -f "$job_jar" ] \
      && [ -d "$root/connectors/target/classes" ] && [ -f "$root/connectors/target/runtime-classpath.txt" ]; then
    return
  fi
  echo "Building the job jar, the cluster's lib/ and the broker's classpath (Maven, once)..." >&2
  # One reactor build, no 'install': the classpaths point into this checkout's target folders.
  (cd "$root" && ./mvnw -B -q -pl connectors,flink-jobs,deploy/local -am -DskipTests package \
      dependency:build-classpath -Dmdep.outputFile=target/runtime-classpath.txt -Dmdep.includeScope=runtime)
}

start() {
  local kafka_nodes=1 args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --kafka-nodes) kafka_nodes=$2; shift 2 ;;
      --task-managers|--slots|--jm-memory|--tm-memory) args+=("$1" "$2"); shift 2 ;;
      *) echo "cluster.sh start: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  if own_pid "$run_dir/kafka.pid" >/dev/null || { [ -f "$run_dir/flink/cluster.properties" ] \
      && cluster status >/dev/null 2>&1; }; then
    echo "cluster.sh: already running from $run_dir (cluster.sh stop first)" >&2
    exit 1
  fi
  build
  mkdir -p "$run_dir/log" "$run_dir/kafka"
  local t0=$SECONDS
  echo "[1/2] Kafka: $kafka_nodes KRaft node(s) on 127.0.0.1 (bin/avfuse broker)"
  : >"$run_dir/log/kafka.out"
  nohup "$root/bin/avfuse" broker --nodes "$kafka_nodes" --data-dir "$run_dir/kafka" \
    >"$run_dir/log/kafka.out" 2>&1 </dev/null &
  echo $! >"$run_dir/kafka.pid"
  local waited=0 bootstrap=""
  until bootstrap=$(sed -n 's/^Kafka ready: bootstrap.servers=\([^ ]*\).*/\1/p' "$run_dir/log/kafka.out") \
      && [ -n "$bootstrap" ]; do
    if ! own_pid "$run_dir/kafka.pid" >/dev/null || [ $waited -ge 180 ]; then
      echo "cluster.sh: Kafka did not start; see $run_dir/log/kafka.out:" >&2
      tail -5 "$run_dir/log/kafka.out" >&2
      stop_kafka
      exit 1
    fi
    sleep 1; waited=$((waited + 1))
  done
  echo "$bootstrap" >"$run_dir/kafka.bootstrap"
  echo "      bootstrap.servers=$bootstrap (pid $(cat "$run_dir/kafka.pid"), log $run_dir/log/kafka.out)"
  echo "[2/2] Flink: JobManager and TaskManagers"
  if ! cluster start --lib "$lib" --cache-dir "$root/.cache" "${args[@]}"; then
    stop_kafka
    exit 1
  fi
  echo "ready in $((SECONDS - t0)) s; next: deploy/local/cluster.sh submit --model DIR"
}

submit() {
  local model="" parallelism=2 job_args=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --model) model=$(cd "$2" && pwd); shift 2 ;;
      --parallelism) parallelism=$2; shift 2 ;;
      --config) job_args+=(--config "$(cd "$(dirname "$2")" && pwd)/$(basename "$2")"); shift 2 ;;
      --set) job_args+=(--set "$2"); shift 2 ;;
      *) echo "cluster.sh submit: unknown option $1" >&2; usage >&2; exit 2 ;;
    esac
  done
  [ -n "$model" ] || { echo "cluster.sh submit: --model DIR is required" >&2; exit 2; }
  [ -f "$run_dir/kafka.bootstrap" ] || { echo "cluster.sh: not started (no $run_dir/kafka.bootstrap)" >&2; exit 1; }
  # Defaults first: a later --set of the same key wins.
  cluster submit --jar "$job_jar" --class "$entry" --parallelism "$parallelism" -- \
    --set "kafka.bootstrap-servers=$(cat "$run_dir/kafka.bootstrap")" \
    --set "model.dir=$model" \
    --set "job.parallelism=$parallelism" \
    --set "job.checkpoint-dir=file://$run_dir/flink/checkpoints" \
    "${job_args[@]}"
}

status() {
  local pid rc=0
  if pid=$(own_pid "$run_dir/kafka.pid"); then
    echo "Kafka: pid $pid, bootstrap.servers=$(cat "$run_dir/kafka.bootstrap" 2>/dev/null || echo '?')"
  else
    echo "Kafka: not running"; rc=3
  fi
  if [ -f "$run_dir/flink/cluster.properties" ]; then
    cluster status || rc=3
  else
    echo "Flink: not started"; rc=3
  fi
  return $rc
}

stop_kafka() {
  local pid
  if pid=$(own_pid "$run_dir/kafka.pid"); then
    # SIGTERM: the launcher's shutdown hook stops its KRaft nodes and deletes their data.
    kill -TERM "$pid"
    for _ in $(seq 1 30); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid"
    fi
    echo "stopped Kafka (pid $pid)"
  fi
  rm -f "$run_dir/kafka.pid" "$run_dir/kafka.bootstrap"
}

stop() {
  if [ -f "$run_dir/flink/cluster.properties" ]; then
    cluster stop
  fi
  stop_kafka
}

case "$command" in
  start) start "$@" ;;
  submit) submit "$@" ;;
  status) status ;;
  kill-tm) [ $# -eq 1 ] || { usage >&2; exit 2; }; cluster kill-taskmanager "$1" ;;
  stop) stop ;;
  -h|--help|help) usage ;;
  *) usage >&2; exit 2 ;;
esac
