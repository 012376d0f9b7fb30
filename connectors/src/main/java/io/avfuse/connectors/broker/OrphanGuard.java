package io.avfuse.connectors.broker;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * Entry point of every child JVM that {@link KafkaBroker} starts: runs the real main class and ends
 * the JVM as soon as the launching JVM is gone.
 *
 * <p>The launcher keeps the write end of the child's stdin pipe open and never writes to it. When
 * the launcher dies, even by {@code kill -9} where no shutdown hook runs, the operating system
 * closes that pipe, this JVM reads end-of-file, and exits. So no broker outlives the JVM that
 * started it.
 *
 * <p>{@code java -cp ... io.avfuse.connectors.broker.OrphanGuard kafka.Kafka server.properties}
 */
public final class OrphanGuard {
    /** Long enough for Kafka's own shutdown hook to close its logs, short enough to never hang. */
    private static final long HALT_AFTER_MILLIS = 10_000;

    private OrphanGuard() {}

    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: OrphanGuard MAIN_CLASS [ARGS...]");
            System.exit(2);
        }
        Thread watcher = new Thread(() -> exitWhenParentGone(System.in), "orphan-guard");
        watcher.setDaemon(true);
        watcher.start();

        Method main = Class.forName(args[0]).getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static void exitWhenParentGone(InputStream parentPipe) {
        try {
            while (parentPipe.read() >= 0) {
                // The launcher never writes; anything that arrives is ignored.
            }
        } catch (IOException e) {
            // A broken pipe means the same as end-of-file: the launcher is gone.
        }
        System.err.println("[orphan-guard] launching JVM is gone, stopping");
        Thread halter =
                new Thread(
                        () -> {
                            try {
                                Thread.sleep(HALT_AFTER_MILLIS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                            Runtime.getRuntime().halt(3);
                        },
                        "orphan-guard-halt");
        halter.setDaemon(true);
        halter.start();
        System.exit(3);
    }
}
