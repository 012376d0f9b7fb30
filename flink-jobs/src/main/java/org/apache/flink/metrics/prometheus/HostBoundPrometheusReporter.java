package org.apache.flink.metrics.prometheus;

import io.prometheus.client.exporter.HTTPServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Iterator;
import org.apache.flink.util.PortRange;

/**
 * Flink's Prometheus reporter with its HTTP endpoint bound to one address. Flink 2.2's {@link
 * PrometheusReporter} binds every interface ({@code new InetSocketAddress(port)}) and has no host
 * option; this class lives in Flink's package only because the collector registry it must serve is
 * package-private in {@link AbstractPrometheusReporter}. Metric names, labels and the exposition
 * format are Flink's own. Created by {@code
 * io.avfuse.jobs.metrics.LoopbackPrometheusReporterFactory}.
 */
public class HostBoundPrometheusReporter extends AbstractPrometheusReporter {
    private final HTTPServer httpServer;
    private final int port;

    public HostBoundPrometheusReporter(String host, PortRange ports) {
        HTTPServer server = null;
        int bound = -1;
        IOException last = null;
        Iterator<Integer> it = ports.getPortsIterator();
        while (server == null && it.hasNext()) {
            int candidate = it.next();
            try {
                server = new HTTPServer(new InetSocketAddress(host, candidate), registry, true);
                bound = candidate;
            } catch (IOException e) {
                last = e; // taken: try the next port of the range
            }
        }
        if (server == null) {
            throw new IllegalStateException(
                    "cannot start the Prometheus reporter's HTTP server on "
                            + host
                            + " at any port of "
                            + ports,
                    last);
        }
        this.httpServer = server;
        this.port = bound;
        log.info("Started the Prometheus reporter's HTTP server on {}:{}", host, port);
    }

    /** The port the server listens on. */
    public int port() {
        return port;
    }

    @Override
    public void close() {
        httpServer.stop();
        super.close();
    }
}
