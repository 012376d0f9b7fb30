package io.avfuse.connectors.ingest;

import static org.bytedeco.ffmpeg.global.avutil.av_frame_clone;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.bytedeco.ffmpeg.avutil.AVFrame;

/**
 * Encodes decoded frames to JPEG on worker threads, one {@link JpegEncoder} each, so that decoding
 * and encoding overlap. A frame is handed over as a new reference ({@code av_frame_clone}), which
 * keeps its buffers alive after the decoder moves on; the reference is freed after encoding.
 *
 * <p>{@code Future<byte[]> jpeg = pool.submit(decodedFrame, 640, 360);}
 */
public final class JpegPool implements AutoCloseable {
    private final ExecutorService workers;
    private final ThreadLocal<JpegEncoder> encoders;
    private final List<JpegEncoder> all = new ArrayList<>();
    private final int threads;

    public JpegPool(int threads, int qscale, JpegEncoder.Huffman huffman) {
        this.threads = threads;
        this.workers =
                Executors.newFixedThreadPool(
                        threads,
                        r -> {
                            Thread t = new Thread(r, "avfuse-jpeg");
                            t.setDaemon(true);
                            return t;
                        });
        this.encoders =
                ThreadLocal.withInitial(
                        () -> {
                            JpegEncoder e = new JpegEncoder(qscale, huffman);
                            synchronized (all) {
                                all.add(e);
                            }
                            return e;
                        });
    }

    public int threads() {
        return threads;
    }

    /** Starts encoding {@code decoded}; the caller may reuse its frame at once. */
    public Future<byte[]> submit(AVFrame decoded, int width, int height) {
        AVFrame reference = av_frame_clone(decoded);
        if (reference == null) {
            throw new IllegalStateException("av_frame_clone failed");
        }
        try {
            return workers.submit(
                    () -> {
                        try {
                            return encoders.get().encode(reference, width, height);
                        } finally {
                            av_frame_free(reference);
                        }
                    });
        } catch (RejectedExecutionException e) {
            av_frame_free(reference); // the pool is closing: nobody else will free the clone
            throw e;
        }
    }

    /** The result of {@code future}, with encoder failures rethrown unchecked. */
    public static byte[] await(Future<byte[]> future) throws InterruptedException {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r
                    ? r
                    : new IllegalStateException(e.getCause());
        }
    }

    /**
     * Lets queued and running encodes finish (each frees its frame clone) before the codec contexts
     * are freed: freeing a context under a running {@code avcodec_send_frame} crashes the JVM. At
     * most a few frames per thread are ever pending.
     */
    @Override
    public void close() {
        workers.shutdown();
        boolean interrupted = false;
        while (true) {
            try {
                if (workers.awaitTermination(1, TimeUnit.SECONDS)) {
                    break;
                }
            } catch (InterruptedException e) {
                interrupted = true; // keep waiting: the contexts must outlive the workers
            }
        }
        synchronized (all) {
            all.forEach(JpegEncoder::close);
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
