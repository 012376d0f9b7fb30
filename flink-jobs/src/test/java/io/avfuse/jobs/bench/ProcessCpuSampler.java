package io.avfuse.jobs.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * CPU seconds of this JVM and of a child process (the broker), sampled every 20 ms on a daemon
 * thread, so that the CPU spent between two wall-clock instants of a run (its first and last
 * prediction) can be read afterwards: the steady phase, without job start-up and shutdown.
 */
final class ProcessCpuSampler implements AutoCloseable {
    private static final double TICK_S = 0.01; // USER_HZ on Linux

    private record Sample(long wallUs, double selfS, double childS) {}

    private final long childPid;
    private final List<Sample> samples = new ArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    ProcessCpuSampler(long childPid) {
        this.childPid = childPid;
        thread = new Thread(this::run, "p1-cpu-sampler");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean)
                        ManagementFactory.getOperatingSystemMXBean();
        while (running) {
            Sample s =
                    new Sample(
                            System.currentTimeMillis() * 1000,
                            os.getProcessCpuTime() / 1e9,
                            childCpuS());
            synchronized (samples) {
                samples.add(s);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** utime + stime of the child, from /proc/PID/stat (fields 14 and 15). */
    private double childCpuS() {
        try {
            String stat = Files.readString(Path.of("/proc/" + childPid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * TICK_S;
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** {this JVM, the child} CPU seconds between two wall-clock instants (µs since the epoch). */
    double[] cpuBetween(long fromUs, long toUs) {
        Sample a = at(fromUs);
        Sample b = at(toUs);
        return new double[] {b.selfS - a.selfS, b.childS - a.childS};
    }

    /** The last sample taken at or before {@code wallUs} (the first one if none). */
    private Sample at(long wallUs) {
        synchronized (samples) {
            Sample found = samples.get(0);
            for (Sample s : samples) {
                if (s.wallUs > wallUs) {
                    break;
                }
                found = s;
            }
            return found;
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
    }
}
