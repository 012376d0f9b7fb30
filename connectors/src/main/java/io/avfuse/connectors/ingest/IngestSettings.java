package io.avfuse.connectors.ingest;

import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;

/**
 * How every input of one {@code ingest} run is converted and paced, read once from the options.
 *
 * @param fps target video frame rate; 0 keeps every frame
 * @param encoding {@code JPEG} or {@code RGB24}
 * @param jpegQscale FFmpeg {@code -q:v} scale, 2 (best) to 31
 * @param jpegHuffman standard (faster) or per-image (smaller) JPEG Huffman tables
 * @param encodeThreads JPEG encoder threads per input
 * @param sampleRate audio output rate in Hz
 * @param channels audio output channels
 * @param sampleFormat {@code S16LE} or {@code F32LE}
 * @param chunkMillis audio chunk length
 * @param anchorUs event time of media time 0, µs since the epoch
 * @param realTime pace publishing by the media clock
 * @param passes how often to play each input; 0 means until stopped
 * @param maxDurationUs stop after this much media time per input; 0 means no limit
 */
public record IngestSettings(
        double fps,
        FrameEncoding encoding,
        int jpegQscale,
        JpegEncoder.Huffman jpegHuffman,
        int encodeThreads,
        int sampleRate,
        int channels,
        SampleFormat sampleFormat,
        int chunkMillis,
        long anchorUs,
        boolean realTime,
        int passes,
        long maxDurationUs) {}
