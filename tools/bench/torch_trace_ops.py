#!/usr/bin/python3
"""Sets two libtorch profiler traces side by side: microseconds per call of each op.

    tools/bench/torch_trace_ops.py CALLS DJL_TRACE.json PYTHON_TRACE.json [TOP]

For P3 (docs/benchmarks.md): TorchScriptBenchmark's -Davfuse.p3.profile=DIR writes DJL's trace,
torchscript_bench.py's fifth argument Python's, each over CALLS calls. Times are inclusive (an op's
time contains the ops it calls, e.g. aten::conv2d contains aten::mkldnn_convolution). Per op name:
the median duration of one occurrence times the occurrences per call, so that the few occurrences
a loaded machine preempts (and stretches by a whole time slice) do not set the figure; the first
line is the same for "forward", the whole model call.
"""

import json
import statistics
import sys
from collections import defaultdict


def per_op(path, calls):
    with open(path) as f:
        data = json.load(f)
    events = data["traceEvents"] if isinstance(data, dict) else data
    spans = [e for e in events if e.get("ph") == "X" and "dur" in e]
    durations = defaultdict(list)
    for e in spans:
        durations[e["name"]].append(float(e["dur"]))
    # DJL's trace records "forward" twice per call (the module and its method): count calls by
    # the outermost one only.
    outer = [e for e in spans if e["name"] == "forward"]
    forwards = sorted(outer, key=lambda e: (float(e["ts"]), -float(e["dur"])))
    whole, end = [], float("-inf")
    for e in forwards:
        if float(e["ts"]) >= end:
            whole.append(float(e["dur"]))
            end = float(e["ts"]) + float(e["dur"])
    durations["forward"] = whole
    return {n: statistics.median(d) * len(d) / calls for n, d in durations.items()}


def main():
    calls = int(sys.argv[1])
    djl = per_op(sys.argv[2], calls)
    py = per_op(sys.argv[3], calls)
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    print("%-44s %10s %10s %7s" % ("op (inclusive us per call)", "DJL", "Python", "ratio"))
    names = sorted(set(djl) | set(py), key=lambda n: -max(djl.get(n, 0), py.get(n, 0)))
    for n in names[:top]:
        d, p = djl.get(n, 0.0), py.get(n, 0.0)
        print("%-44s %10.1f %10.1f %7s" % (n[:44], d, p, "%.2f" % (d / p) if p else "-"))


if __name__ == "__main__":
    main()
