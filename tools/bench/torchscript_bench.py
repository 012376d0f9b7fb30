#!/usr/bin/python3
"""P3's Python side: windows/s of a TorchScript fusion model called from PyTorch directly.

    /usr/bin/python3 tools/bench/torchscript_bench.py MODEL.pt BATCH THREADS CALLS [TRACE.json]

Builds the same inputs as TorchScriptBenchmark.java (the export_fixtures.py contract: frames
(B,4,3,16,16), mask (B,4), log-mel (B,1,64,101), tokens (B,8) int32, metadata (B,2), presence
(B,4)), warms up with CALLS/4 calls, then times CALLS calls under torch.no_grad() and prints one
line: "python WINDOWS_PER_S WINDOWS_PER_CPU_S", the second over this thread's CPU time (with one
intra-op thread the model runs on it). Model load and warm-up are not timed, as on the Java side.
Environment, for the fairness checks of docs/benchmarks.md (P3, fourth round):
P3_GRAPH_OPTIMIZE=0 turns the TorchScript graph executor's optimizer off (as DJL's
-Dai.djl.pytorch.graph_optimizer=false does); P3_INFERENCE_MODE=1 times under
torch.inference_mode() instead of torch.no_grad(). It also prints the settings it ran with.
With TRACE.json it then profiles CALLS more calls with torch.autograd.profiler and writes the
Chrome trace there (tools/bench/torch_trace_ops.py sets it beside DJL's).
"""

import os
import sys
import time

import torch


def main():
    path, batch, threads, calls = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    model = torch.jit.load(path)
    model.eval()
    inputs = (
        torch.full((batch, 4, 3, 16, 16), 0.5),
        torch.ones(batch, 4),
        torch.full((batch, 1, 64, 101), 0.1),
        torch.full((batch, 8), 3, dtype=torch.int32),
        torch.full((batch, 2), 0.2),
        torch.ones(batch, 4),
    )
    optimize = os.environ.get("P3_GRAPH_OPTIMIZE", "1") != "0"
    inference = os.environ.get("P3_INFERENCE_MODE", "0") == "1"
    print(
        "settings: torch %s, intra-op %d, inter-op %d, graph optimizer %s, %s"
        % (
            torch.__version__,
            torch.get_num_threads(),
            torch.get_num_interop_threads(),
            optimize,
            "inference_mode" if inference else "no_grad",
        )
    )
    mode = torch.inference_mode() if inference else torch.no_grad()
    with mode, torch.jit.optimized_execution(optimize):
        for _ in range(max(1, calls // 4)):
            model(*inputs)
        cpu_start = time.thread_time()
        start = time.perf_counter()
        for _ in range(calls):
            model(*inputs)
        seconds = time.perf_counter() - start
        cpu_seconds = time.thread_time() - cpu_start
        if len(sys.argv) > 5:
            with torch.autograd.profiler.profile() as prof:
                for _ in range(calls):
                    model(*inputs)
            prof.export_chrome_trace(sys.argv[5])
    print("python %.1f %.1f" % (batch * calls / seconds, batch * calls / cpu_seconds))


if __name__ == "__main__":
    main()
