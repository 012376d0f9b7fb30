package io.avfuse.jobs.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * README's first command, scaled down: a real broker, generated clips, a real (short) training run,
 * the fusion job on a MiniCluster with its web UI, three live clips at real-time pace (one without
 * audio, one without video), every window predicted and scored.
 */
class DemoITCase {
    @TempDir Path tmp;

    @Test
    void theDemoTrainsServesAndScoresEveryLiveWindow() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        StringWriter text = new StringWriter();
        CommandLine cli = new CommandLine(new DemoCommand());
        cli.setOut(new PrintWriter(text, true));
        cli.setErr(new PrintWriter(text, true));
        int rc =
                cli.execute(
                        "--work-dir", tmp.toString(),
                        "--train-clips", "2",
                        "--train-windows", "8",
                        "--epochs", "3",
                        "--live-windows", "8",
                        "--web-port", Integer.toString(port));
        String out = text.toString();
        System.out.println(out);
        assertThat(rc).as(out).isZero();

        // 2 clips x 8 windows went through Kafka and the aligner, every one labelled.
        assertThat(out).contains("aligned 16 labelled windows");
        Matcher heldOut = Pattern.compile("held-out accuracy ([0-9.]+) at epoch").matcher(out);
        assertThat(heldOut.find()).as(out).isTrue();
        assertThat(out).contains("Flink web UI at http://127.0.0.1:" + port);

        // One line per window of each live stream, then a summary over exactly those windows.
        for (String stream : new String[] {"live-all", "live-no-audio", "live-no-video"}) {
            for (int w = 0; w < 8; w++) {
                assertThat(out).containsPattern("(?m)^  " + stream + " +w" + w + " ");
            }
        }
        assertThat(out).contains("summary: 24 windows predicted");
        assertThat(out).containsPattern("accuracy +[0-9.]+ \\([0-9]+ of 24 labelled windows");
        // Every window of the streams without audio or video is degraded, and says which is gone.
        assertThat(out).containsPattern("(?m)^  live-no-audio .* V-[T-][M-] degraded");
        assertThat(out).doesNotContainPattern("(?m)^  live-no-audio .* VA[T-][M-] ");
        assertThat(out).doesNotContainPattern("(?m)^  live-no-video .* VA[T-][M-] ");
        Matcher degraded = Pattern.compile("degraded windows +([0-9]+),").matcher(out);
        assertThat(degraded.find()).isTrue();
        assertThat(Integer.parseInt(degraded.group(1))).isBetween(16, 24);
        assertThat(out).containsPattern("committed \\(read_committed\\) p50 [0-9.]+ s");
    }
}
