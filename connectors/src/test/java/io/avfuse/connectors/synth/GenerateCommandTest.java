package io.avfuse.connectors.synth;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Options the benchmark's labels and bounds could not honour are refused up front. */
class GenerateCommandTest {
    @TempDir Path tmp;

    private String refused(String... args) {
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new GenerateCommand()).setErr(new PrintWriter(err));
        assertThat(cli.execute(args)).isEqualTo(2);
        return err.toString();
    }

    @Test
    void framesTooSlowToShowEveryCueAreRefused() {
        assertThat(refused("--out", tmp.toString(), "--fps", "5"))
                .contains("--fps must be at least 13");
    }

    @Test
    void anAbsenceRateThePlannerCannotReachIsRefused() {
        assertThat(refused("--out", tmp.toString(), "--absence", "0.8"))
                .contains("--absence in [0,2/3]");
    }
}
