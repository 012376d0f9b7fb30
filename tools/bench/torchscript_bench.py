#!/usr/bin/python3
"""P3's Python side: windows/s of a TorchScript fusion model called from PyTorch directly.

    /usr/bin/python3 tools/bench/torchscript_bench.py MODEL.pt BATCH THREADS CALLS [TRACE.json]

Builds the same inputs as TorchScriptBenchmark.java (the export_fixtures.py contract: frames
(B,4,3,16,16), mask (B,4), log-mel (B,1,64,101), tokens (B,8) int32, metadata (B,2), presence
(B,4)), warms up with CALLS/4 calls, then times CALLS calls under torch.no_grad() and prints one
line: "python WINDOWS_PER_S WINDOWS_PER_CPU_S", the second over this thread's CPU time (with one
intra-op thread the model runs on it). Model load and warm-up are not timed, as on the Java side.
With TRACE.json it then profiles CALLS more calls with torch.autograd.profiler and writes the
Chrome trace there (tools/bench/torch_trace_ops.py sets it beside DJL's).
"""

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
    with torch.no_grad():
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
