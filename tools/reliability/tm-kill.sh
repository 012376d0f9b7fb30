#!/usr/bin/env bash
# Exactly once through real TaskManager process kills, full size: TaskManagerKillsITCase with
# 20 streams x 500 windows (10,000 windows) and 5 SIGKILLs of a TaskManager on the local
# multi-process cluster. The CI build runs it at its small size (WINDOWS=100 KILLS=2);
# docs/reliability.md has the figures of both.
# Options through the environment: WINDOWS (per stream), KILLS, SEED. The cluster's logs stay in
# flink-jobs/target/tm-kill-cluster/log; the summary line starts with [TaskManagerKillsITCase].
set -euo pipefail
if [[ ${1:-} == -h || ${1:-} == --help ]]; then
  sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
  echo "Usage: [WINDOWS=500] [KILLS=5] [SEED=20261206] tools/reliability/tm-kill.sh [extra Maven args]"
  exit 0
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
./mvnw -B -o -pl flink-jobs -am verify -Dexec.skip=true \
  -Dtest=NONE -Dsurefire.failIfNoSpecifiedTests=false \
  -Dit.test=TaskManagerKillsITCase -Dfailsafe.failIfNoSpecifiedTests=false \
  -Davfuse.tm-kill.windows="${WINDOWS:-500}" -Davfuse.tm-kill.kills="${KILLS:-5}" \
  -Davfuse.tm-kill.seed="${SEED:-20261206}" "$@"
