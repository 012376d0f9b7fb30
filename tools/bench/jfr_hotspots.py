#!/usr/bin/env python3
"""Self-time hot spots of a JFR recording, for docs/benchmarks.md.

  tools/bench/jfr_hotspots.py REC.jfr [THREAD_SUBSTRING ...] [--top N] [--since THREAD]
        [--exclude THREAD]

Counts jdk.ExecutionSample (Java code running) per thread and per top frame (self time), and
jdk.NativeMethodSample per top native frame (JNI calls such as libtorch's forward; threads
blocked in socket or epoll waits are left out, they use no CPU). THREAD_SUBSTRING keeps only
threads whose name contains one of them (e.g. "infer" for the fusion job's task thread).
--since keeps only samples taken after the first sample of a thread whose name contains THREAD
(P1: "infer ->", the fusion job, so the fixture and recording jobs before it are left out);
--exclude drops threads whose name contains THREAD (P1: "main", the direct calls).
--jobs THREAD LABELS splits the recording by the instances of THREAD (each job run starts new
task threads): LABELS gives each instance, in time order, a label (P1's A/B: "B A A B ..."), and
the stage shares are printed per label over all samples taken while its instances ran.
It also prints, over Java and busy native samples together, the share of each stage below: the
first stage (in this order) with a frame anywhere in the sample's stack takes the sample.
"""
import collections
import json
import subprocess
import sys

IDLE_NATIVE = ("EPoll.wait", "Net.poll", "Net.accept", "SocketDispatcher.read", "FileDispatcherImpl.read",
               "Thread.sleep", "Object.wait", "Unsafe.park", "Net.connect", "FileDispatcherImpl.force",
               "ProcessHandleImpl.waitForProcessExit", "waitForProcessExit", "UnixFileDispatcherImpl.read")


# (stage, frame substrings). The innermost frame of a sample that matches decides its stage, so
# work nested in a downstream operator is not charged to the chaining copy that called it.
STAGES = [
    ("checkpoint: copy-on-write state copies", ("CopyOnWriteStateMap",)),
    ("checkpoint: snapshot write", ("HeapSnapshotStrategy", "FsCheckpointStreamFactory")),
    ("copies between chained operators", ("CopyingChainingOutput.pushToOperator",
                                          "CopyingBroadcastingOutputCollector")),
    ("network: record (de)serialization", ("SpillingAdaptiveSpanningRecordDeserializer",
                                           "RecordWriter.emit", "RecordWriterOutput")),
    ("sink: Avro encode", ("AvroSerde.encode",)),
    ("sink: Kafka writer, producer, commits", ("KafkaWriter", "KafkaProducer", "KafkaCommitter")),
    ("source: Avro decode", ("AvroSerde.decode",)),
    ("source: Kafka fetch and reader", ("KafkaConsumer", "KafkaSourceReader", "SourceReaderBase",
                                        "SplitFetcher", "FetchTask", "ClassicKafkaConsumer")),
    ("event-time guard", ("EventTimeGuard",)),
    ("dead-letter split, event wrapping", ("DeadLetterSplitter", "ModalityEvent.of")),
    ("model: preprocessing (WindowBatch.toInputs)", ("WindowBatch.toInputs",)),
    ("model: Prediction/Embedding records", ("FusionInference.score",)),
    ("model: forward and outputs", ("FusionInference.infer",)),
    ("outputs: metrics and embedding maps", ("PredictionMetrics", "FuseJob.lambda")),
    ("aligner", ("StreamAligner", "WindowAssembler")),
    ("checkpoint: barriers, coordination", ("CheckpointCoordinator", "SubtaskCheckpointCoordinator",
                                            "triggerCheckpoint")),
    ("JIT compiler, GC, class loading", ("CompileBroker", "ClassLoader.loadClass")),
]


def stage_of(names):
    for n in names:
        for stage, marks in STAGES:
            if any(m in n for m in marks):
                return stage
    return "other"


def frame_name(f):
    m = f["method"]
    return m["type"]["name"].split("/")[-1].replace("$", ".") + "." + m["name"]


def main(argv):
    top = 25
    args = [a for a in argv]
    if "--top" in args:
        i = args.index("--top")
        top = int(args[i + 1])
        del args[i:i + 2]
    since = exclude = None
    if "--since" in args:
        i = args.index("--since")
        since = args[i + 1]
        del args[i:i + 2]
    if "--exclude" in args:
        i = args.index("--exclude")
        exclude = args[i + 1]
        del args[i:i + 2]
    jobs = None
    if "--jobs" in args:
        i = args.index("--jobs")
        jobs = (args[i + 1], args[i + 2].split())
        del args[i:i + 3]
    rec, threads = args[0], args[1:]
    raw = subprocess.run(["jfr", "print", "--json", "--stack-depth", "64", "--events",
                          "jdk.ExecutionSample,jdk.NativeMethodSample", rec],
                         check=True, capture_output=True, text=True).stdout
    events = json.loads(raw)["recording"]["events"]
    if since:
        start = min(e["values"]["startTime"] for e in events
                    if since in ((e["values"].get("sampledThread") or {}).get("javaName") or ""))
        events = [e for e in events if e["values"]["startTime"] >= start]
    if jobs:
        per_job(events, jobs[0], jobs[1], exclude)
        return
    by_thread = collections.Counter()
    java_self = collections.Counter()
    native_self = collections.Counter()
    java_total = native_total = 0
    stages = collections.Counter()
    for e in events:
        v = e["values"]
        t = v.get("sampledThread") or {}
        name = t.get("javaName") or t.get("osName") or "?"
        if threads and not any(s in name for s in threads):
            continue
        if exclude and exclude in name:
            continue
        frames = (v.get("stackTrace") or {}).get("frames") or []
        if not frames:
            continue
        top_frame = frame_name(frames[0])
        names = [frame_name(f) for f in frames]
        if e["type"] == "jdk.ExecutionSample":
            java_total += 1
            java_self[top_frame] += 1
            by_thread[name] += 1
            stages[stage_of(names)] += 1
        else:
            if any(top_frame.endswith(s) or s in top_frame for s in IDLE_NATIVE):
                continue
            native_total += 1
            native_self[top_frame] += 1
            by_thread[name + " (native)"] += 1
            stages[stage_of(names)] += 1
    print(f"{rec}: {java_total} Java execution samples, {native_total} busy native samples"
          + (f", threads matching {threads}" if threads else ""))
    print("\nsamples by thread:")
    for name, n in by_thread.most_common(12):
        print(f"  {n:6d}  {name}")
    print("\nstages (Java + busy native samples):")
    for stage, n in stages.most_common():
        print(f"  {100.0 * n / max(1, java_total + native_total):5.1f} %  {stage}")
    print("\nJava self time (share of Java samples):")
    for f, n in java_self.most_common(top):
        print(f"  {100.0 * n / max(1, java_total):5.1f} %  {f}")
    print("\nbusy native frames (share of busy native samples):")
    for f, n in native_self.most_common(10):
        print(f"  {100.0 * n / max(1, native_total):5.1f} %  {f}")


def per_job(events, thread, labels, exclude):
    spans = {}
    for e in events:
        t = e["values"].get("sampledThread") or {}
        if thread in (t.get("javaName") or ""):
            first, last = spans.get(t["javaThreadId"], (e["values"]["startTime"],) * 2)
            spans[t["javaThreadId"]] = (min(first, e["values"]["startTime"]),
                                        max(last, e["values"]["startTime"]))
    ordered = sorted(spans.values())
    if len(ordered) != len(labels):
        sys.exit(f"{len(ordered)} instances of {thread!r}, but {len(labels)} labels")
    stages = collections.defaultdict(collections.Counter)
    for e in events:
        v = e["values"]
        name = (v.get("sampledThread") or {}).get("javaName") or ""
        frames = (v.get("stackTrace") or {}).get("frames") or []
        if not frames or (exclude and exclude in name):
            continue
        names = [frame_name(f) for f in frames]
        if e["type"] == "jdk.NativeMethodSample" and any(s in names[0] for s in IDLE_NATIVE):
            continue
        for (first, last), label in zip(ordered, labels):
            if first <= v["startTime"] <= last:
                stages[label][stage_of(names)] += 1
                stages[label]["(all)"] += 1
    for label in sorted(stages):
        total = stages[label]["(all)"]
        print(f"{label}: {total} samples (Java + busy native) while its jobs ran")
        for stage, n in stages[label].most_common():
            if stage != "(all)":
                print(f"  {100.0 * n / total:5.1f} %  {stage}")


if __name__ == "__main__":
    main(sys.argv[1:])
