package io.avfuse.deploy.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line's checks, none of which starts a process. */
class ClusterCommandTest {
    @TempDir Path tmp;

    @Test
    void everyCommandNeedsARunDirectory() {
        assertThatThrownBy(() -> ClusterCommand.run(new String[] {"status"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("--run-dir is required");
    }

    @Test
    void anUnknownCommandIsRejected() {
        assertThatThrownBy(() -> ClusterCommand.run(new String[] {"restart", "--run-dir", "x"}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown command 'restart'");
    }

    @Test
    void startWithoutJarsInLibFailsBeforeLaunchingAnything() throws IOException {
        Path lib = Files.createDirectories(tmp.resolve("lib"));
        assertThatThrownBy(
                        () ->
                                ClusterCommand.run(
                                        new String[] {
                                            "start",
                                            "--run-dir",
                                            tmp.resolve("run").toString(),
                                            "--lib",
                                            lib.toString()
                                        }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no jars in " + lib);
        assertThat(tmp.resolve("run/cluster.properties")).doesNotExist();
    }

    @Test
    void aRecordedPidThatIsNotOursIsIgnored() throws IOException {
        // This JVM's pid: alive, but not started from the run directory.
        Path run = Files.createDirectories(tmp.resolve("run"));
        Files.writeString(
                run.resolve(LocalFlinkCluster.STATE_FILE),
                "rest.url=http://127.0.0.1:1\njobmanager.pid="
                        + ProcessHandle.current().pid()
                        + "\n");
        LocalFlinkCluster cluster = LocalFlinkCluster.attach(run);
        assertThat(cluster.alive()).isEmpty();
        cluster.close(); // must not signal this JVM
        assertThat(ProcessHandle.current().isAlive()).isTrue();
    }
}
