package io.avfuse.connectors.serde;

import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.util.Map;

/**
 * The checks input records must pass before alignment. They catch records that are valid Avro but
 * would poison a window: sizes that contradict the byte count, impossible rates, NaN features,
 * event times nowhere near now.
 */
final class RecordValidators {
    static final int MAX_DIMENSION = 16384;
    static final int MIN_SAMPLE_RATE = 1000;
    static final int MAX_SAMPLE_RATE = 384_000;
    static final int MAX_CHANNELS = 32;
    static final int MAX_TEXT_CHARS = 1 << 20;
    static final int MAX_FEATURES = 4096;
    static final long MAX_TEXT_DURATION_US = 3_600_000_000L;

    /**
     * Largest F32 sample magnitude: 60 dB above full scale (F32 audio is nominally within ±1, and
     * mixing may overshoot a little). Beyond some 1e16 a window's spectrum overflows float to
     * infinity and the model's scores become NaN; nothing that large is audio.
     */
    static final float MAX_SAMPLE_MAGNITUDE = 1000f;

    /** Event times must fall between 2000-01-01 and 2100-01-01 (µs since the epoch). */
    static final long MIN_EVENT_TIME_US = 946_684_800_000_000L;

    static final long MAX_EVENT_TIME_US = 4_102_444_800_000_000L;

    private RecordValidators() {}

    static String videoFrame(VideoFrame f) {
        if (isBlank(f.getStreamId())) {
            return "empty streamId";
        }
        if (f.getWidth() <= 0 || f.getHeight() <= 0) {
            return "non-positive size " + f.getWidth() + "x" + f.getHeight();
        }
        if (f.getWidth() > MAX_DIMENSION || f.getHeight() > MAX_DIMENSION) {
            return "size " + f.getWidth() + "x" + f.getHeight() + " above " + MAX_DIMENSION;
        }
        if (f.getFrameIndex() < 0) {
            return "negative frameIndex " + f.getFrameIndex();
        }
        String time = eventTime(f.getEventTimeUs());
        if (time != null) {
            return time;
        }
        int length = f.getData().remaining();
        int pixels = f.getWidth() * f.getHeight();
        return switch (f.getEncoding()) {
            case RGB24, BGR24 -> packed(length, pixels, 3, f);
            case GRAY8 -> packed(length, pixels, 1, f);
            case JPEG, PNG -> length == 0 ? "empty " + f.getEncoding() + " data" : null;
            case UNKNOWN -> "unknown frame encoding";
        };
    }

    static String audioChunk(AudioChunk c) {
        if (isBlank(c.getStreamId())) {
            return "empty streamId";
        }
        if (c.getSampleRate() < MIN_SAMPLE_RATE || c.getSampleRate() > MAX_SAMPLE_RATE) {
            return "sample rate "
                    + c.getSampleRate()
                    + " Hz outside ["
                    + MIN_SAMPLE_RATE
                    + ", "
                    + MAX_SAMPLE_RATE
                    + "]";
        }
        if (c.getChannels() < 1 || c.getChannels() > MAX_CHANNELS) {
            return "channel count " + c.getChannels() + " outside [1, " + MAX_CHANNELS + "]";
        }
        if (c.getChunkIndex() < 0) {
            return "negative chunkIndex " + c.getChunkIndex();
        }
        String time = eventTime(c.getStartTimeUs());
        if (time != null) {
            return time;
        }
        int bytesPerSample =
                switch (c.getSampleFormat()) {
                    case S16LE -> 2;
                    case F32LE -> 4;
                    case UNKNOWN -> 0;
                };
        if (bytesPerSample == 0) {
            return "unknown sample format";
        }
        int length = c.getSamples().remaining();
        int frameBytes = bytesPerSample * c.getChannels();
        if (length == 0 || length % frameBytes != 0) {
            return length
                    + " sample bytes is not a positive multiple of "
                    + frameBytes
                    + " ("
                    + c.getChannels()
                    + " channels of "
                    + c.getSampleFormat()
                    + ")";
        }
        if (c.getSampleFormat() == io.avfuse.schemas.SampleFormat.F32LE) {
            return nonFiniteSample(c.getSamples());
        }
        return null;
    }

    private static String nonFiniteSample(java.nio.ByteBuffer samples) {
        java.nio.FloatBuffer floats =
                samples.duplicate().order(java.nio.ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < floats.limit(); i++) {
            float v = floats.get(i);
            if (!Float.isFinite(v)) {
                return "sample " + i + " is " + v;
            }
            if (Math.abs(v) > MAX_SAMPLE_MAGNITUDE) {
                return "sample "
                        + i
                        + " is "
                        + v
                        + ", beyond ±"
                        + (int) MAX_SAMPLE_MAGNITUDE
                        + " (F32 audio is nominally within ±1)";
            }
        }
        return null;
    }

    static String textEvent(TextEvent t) {
        if (isBlank(t.getStreamId())) {
            return "empty streamId";
        }
        String time = eventTime(t.getEventTimeUs());
        if (time != null) {
            return time;
        }
        if (t.getDurationUs() < 0 || t.getDurationUs() > MAX_TEXT_DURATION_US) {
            return "durationUs " + t.getDurationUs() + " outside [0, 1 h]";
        }
        if (t.getText().length() > MAX_TEXT_CHARS) {
            return "text of " + t.getText().length() + " chars above " + MAX_TEXT_CHARS;
        }
        Map<String, Double> features = t.getFeatures();
        if (features != null) {
            if (features.size() > MAX_FEATURES) {
                return features.size() + " features above " + MAX_FEATURES;
            }
            for (Map.Entry<String, Double> e : features.entrySet()) {
                if (!Double.isFinite(e.getValue())) {
                    return "feature '" + e.getKey() + "' is " + e.getValue();
                }
            }
        }
        return null;
    }

    private static String packed(int length, int pixels, int channels, VideoFrame f) {
        long expected = (long) pixels * channels;
        return length == expected
                ? null
                : f.getEncoding()
                        + " "
                        + f.getWidth()
                        + "x"
                        + f.getHeight()
                        + " needs "
                        + expected
                        + " bytes, got "
                        + length;
    }

    private static String eventTime(long us) {
        if (us < MIN_EVENT_TIME_US || us > MAX_EVENT_TIME_US) {
            return "event time " + us + " µs is outside years 2000-2100";
        }
        return null;
    }

    private static boolean isBlank(String s) {
        return s == null || s.isBlank();
    }
}
