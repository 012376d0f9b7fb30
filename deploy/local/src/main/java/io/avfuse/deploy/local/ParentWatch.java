package io.avfuse.deploy.local;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;

/**
 * Entry point of a cluster process started {@linkplain LocalFlinkCluster.Builder#attached(boolean)
 * attached}: runs the real main class and halts this JVM once the launching JVM is gone.
 *
 * <p>The launcher keeps the write end of the child's stdin pipe open and never writes to it; when
 * the launcher dies, even by {@code kill -9}, the operating system closes the pipe and this JVM
 * reads end-of-file. So a test that dies leaves no JobManager or TaskManager behind.
 *
 * <p>{@code java -cp ... io.avfuse.deploy.local.ParentWatch MAIN_CLASS [ARGS...]}
 */
public final class ParentWatch {
    private ParentWatch() {}

    public static void main(String[] args) throws Throwable {
        if (args.length < 1) {
            System.err.println("usage: ParentWatch MAIN_CLASS [ARGS...]");
            System.exit(2);
        }
        Thread watcher =
                new Thread(
                        () -> {
                            try {
                                while (System.in.read() >= 0) {
                                    // never written to
                                }
                            } catch (IOException e) {
                                // a broken pipe means the same: the launcher is gone
                            }
                            System.err.println("[parent-watch] launching JVM is gone, halting");
                            Runtime.getRuntime().halt(3);
                        },
                        "parent-watch");
        watcher.setDaemon(true);
        watcher.start();
        try {
            Class.forName(args[0])
                    .getMethod("main", String[].class)
                    .invoke(null, (Object) Arrays.copyOfRange(args, 1, args.length));
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
