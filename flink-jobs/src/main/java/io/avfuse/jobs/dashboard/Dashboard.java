package io.avfuse.jobs.dashboard;

import io.avfuse.connectors.serde.WireFormat;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The live dashboard: a {@link TopicFeed} filling a {@link WindowStore}, served by a {@link
 * DashboardServer}, with an optional model whose text encoder embeds search queries.
 *
 * <p>{@code try (Dashboard d = Dashboard.start(settings)) { System.out.println(d.url()); ... }}
 */
public final class Dashboard implements AutoCloseable {
    /** Everything the dashboard needs; {@code model} may be null (no search). */
    public record Settings(
            String bootstrapServers,
            Map<String, String> kafkaProperties,
            String predictionsTopic,
            String embeddingsTopic,
            String framesTopic,
            String from,
            WireFormat wireFormat,
            Path model,
            String bind,
            int port,
            int maxStreams,
            int windowsPerStream) {}

    private final QueryEmbedder embedder;
    private final TopicFeed feed;
    private final DashboardServer server;

    private Dashboard(QueryEmbedder embedder, TopicFeed feed, DashboardServer server) {
        this.embedder = embedder;
        this.feed = feed;
        this.server = server;
    }

    /**
     * Loads the model (when given), binds the server and starts reading.
     *
     * @throws IOException when the model cannot be loaded or the address cannot be bound
     */
    public static Dashboard start(Settings s) throws IOException {
        TopicFeed.Start from = TopicFeed.Start.parse(s.from());
        WindowStore.Limits d = WindowStore.Limits.defaults();
        WindowStore store =
                new WindowStore(
                        new WindowStore.Limits(
                                s.maxStreams(),
                                s.windowsPerStream(),
                                d.latencySamples(),
                                d.framesPerStream(),
                                d.thumbnailWidth()));
        QueryEmbedder embedder = s.model() == null ? null : QueryEmbedder.load(s.model());
        TopicFeed[] feed = new TopicFeed[1];
        DashboardServer server;
        try {
            server =
                    new DashboardServer(
                            store,
                            new DashboardServer.Backend() {
                                @Override
                                public Optional<QueryEmbedder> embedder() {
                                    return Optional.ofNullable(embedder);
                                }

                                @Override
                                public Map<String, Object> status() {
                                    return DashboardServer.status(
                                            feed[0]::malformed, feed[0]::lastError);
                                }
                            },
                            s.bind(),
                            s.port());
        } catch (IOException | RuntimeException e) {
            if (embedder != null) {
                embedder.close();
            }
            if (e instanceof java.net.BindException) {
                throw new IOException(
                        "cannot listen on "
                                + s.bind()
                                + ":"
                                + s.port()
                                + " ("
                                + e.getMessage()
                                + "); pass another --port",
                        e);
            }
            throw e;
        }
        feed[0] =
                new TopicFeed(
                        s.bootstrapServers(),
                        s.kafkaProperties(),
                        new TopicFeed.Topics(
                                s.predictionsTopic(), s.embeddingsTopic(), s.framesTopic()),
                        from,
                        s.wireFormat(),
                        store,
                        server::windowChanged);
        server.start();
        feed[0].start();
        return new Dashboard(embedder, feed[0], server);
    }

    public InetSocketAddress address() {
        return server.address();
    }

    /** {@code http://HOST:PORT/}. */
    public String url() {
        InetSocketAddress a = server.address();
        String host = a.getAddress().getHostAddress();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/";
    }

    @Override
    public void close() throws InterruptedException {
        try {
            feed.close();
        } finally {
            server.close();
            if (embedder != null) {
                embedder.close();
            }
        }
    }
}
