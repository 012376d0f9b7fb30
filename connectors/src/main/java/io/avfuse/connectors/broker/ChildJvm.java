package io.avfuse.connectors.broker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * How {@link KafkaBroker} starts a Java child: which {@code java}, which classpath, which flags.
 * Every child runs under {@link OrphanGuard} and writes stdout and stderr to one log file.
 */
final class ChildJvm {
    private final Path javaExecutable;
    private final Path classpathArgFile;
    private final List<String> jvmOptions;

    /**
     * @param classpathArgFile where to write the classpath: a test classpath easily exceeds the 128
     *     KiB Linux allows for one command-line argument, a {@code java @file} has no limit
     */
    ChildJvm(String classpath, List<String> jvmOptions, Path classpathArgFile) {
        this.javaExecutable = Path.of(System.getProperty("java.home"), "bin", "java");
        this.jvmOptions = List.copyOf(jvmOptions);
        this.classpathArgFile = classpathArgFile;
        try {
            Files.writeString(
                    classpathArgFile,
                    "-cp\n\"" + escapeForArgFile(classpath) + "\"\n",
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + classpathArgFile, e);
        }
    }

    /**
     * Starts {@code mainClass args} in a new JVM, appending its output to {@code log}. The returned
     * process's stdin stays open on purpose: closing it makes the child exit (see {@link
     * OrphanGuard}).
     */
    Process launch(String mainClass, List<String> args, Path workDir, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaExecutable.toString());
        command.addAll(jvmOptions);
        command.add("@" + classpathArgFile);
        command.add(OrphanGuard.class.getName());
        command.add(mainClass);
        command.addAll(args);
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /**
     * Like {@link #launch}, but the main class and {@code args} go into {@code argFile} (readable
     * by the owner only) which the {@code java} launcher expands: they stay out of the process
     * listing. The caller deletes the file once the child has read it.
     */
    Process launchWithArgFile(
            String mainClass, List<String> args, Path workDir, Path log, Path argFile)
            throws IOException {
        Files.deleteIfExists(argFile);
        Files.createFile(
                argFile,
                java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                        java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
        StringBuilder content = new StringBuilder();
        content.append(OrphanGuard.class.getName()).append('\n');
        content.append(mainClass).append('\n');
        for (String arg : args) {
            content.append('"').append(escapeForArgFile(arg)).append("\"\n");
        }
        Files.writeString(argFile, content, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>();
        command.add(javaExecutable.toString());
        command.addAll(jvmOptions);
        command.add("@" + classpathArgFile);
        command.add("@" + argFile);
        return new ProcessBuilder(command)
                .directory(workDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** The last {@code lines} lines of a child's log, or a note why there are none. */
    static String tail(Path log, int lines) {
        if (!Files.isRegularFile(log)) {
            return "(no log at " + log + ")";
        }
        Deque<String> last = new ArrayDeque<>(lines);
        try (Stream<String> all = Files.lines(log, StandardCharsets.UTF_8)) {
            all.forEach(
                    line -> {
                        if (last.size() == lines) {
                            last.removeFirst();
                        }
                        last.addLast(line);
                    });
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read " + log + ": " + e.getMessage() + ")";
        }
        return last.isEmpty() ? "(" + log + " is empty)" : String.join("\n", last);
    }

    private static String escapeForArgFile(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
