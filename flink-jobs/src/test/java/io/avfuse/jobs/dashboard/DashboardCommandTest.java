package io.avfuse.jobs.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** Options of {@code avfuse dashboard} that fail before anything starts. */
class DashboardCommandTest {
    @Test
    void helpListsTheOptionsAndLoopbackIsTheDefault() {
        Run r = run("--help");
        assertThat(r.rc).isZero();
        // Help wraps lines: compare with single spaces.
        assertThat(r.out.replaceAll("\\s+", " "))
                .contains("--bootstrap-servers", "--model", "--port", "--from")
                .contains("Address to listen on (default: 127.0.0.1)")
                .contains("(default: 8088)");
    }

    @Test
    void badOptionsFailWithTheirName() {
        assertThat(run("-b", "127.0.0.1:1", "--from", "yesterday").out)
                .contains("--from: expected earliest, latest or a duration");
        assertThat(run("-b", "127.0.0.1:1", "--model", "/no/such/model").out)
                .contains("/no/such/model: no such model directory");
        assertThat(run("-b", "127.0.0.1:1", "--port", "70000").out)
                .contains("--port must be 0..65535");
        assertThat(run("--port", "0").out).contains("--bootstrap-servers");
        assertThat(run("-b", "127.0.0.1:1", "--from", "yesterday").rc).isEqualTo(2);
    }

    @Test
    void aPortInUseIsOneLineAndExitCode1() throws Exception {
        try (java.net.ServerSocket taken =
                new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Run r = run("-b", "127.0.0.1:1", "--port", Integer.toString(taken.getLocalPort()));
            assertThat(r.rc).isEqualTo(1);
            assertThat(r.out)
                    .startsWith(
                            "avfuse dashboard: cannot listen on 127.0.0.1:" + taken.getLocalPort())
                    .doesNotContain("\tat ");
        }
    }

    private record Run(int rc, String out) {}

    private static Run run(String... args) {
        StringWriter text = new StringWriter();
        CommandLine cli = new CommandLine(new DashboardCommand());
        cli.setOut(new PrintWriter(text, true));
        cli.setErr(new PrintWriter(text, true));
        int rc = cli.execute(args);
        return new Run(rc, text.toString());
    }
}
