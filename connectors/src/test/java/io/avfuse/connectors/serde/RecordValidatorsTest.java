package io.avfuse.connectors.serde;

import static org.assertj.core.api.Assertions.assertThat;

import io.avfuse.connectors.testing.TestRecords;
import io.avfuse.schemas.AudioChunk;
import io.avfuse.schemas.FrameEncoding;
import io.avfuse.schemas.SampleFormat;
import io.avfuse.schemas.TextEvent;
import io.avfuse.schemas.VideoFrame;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecordValidatorsTest {

    @Test
    void validSamplesPass() {
        for (int i = 0; i < 4; i++) {
            assertThat(RecordValidators.videoFrame(TestRecords.videoFrame("s", i))).isNull();
            assertThat(RecordValidators.audioChunk(TestRecords.audioChunk("s", i))).isNull();
            assertThat(RecordValidators.textEvent(TestRecords.textEvent("s", i))).isNull();
        }
    }

    @Test
    void frameSizeMustMatchTheByteCount() {
        VideoFrame f = TestRecords.videoFrame("s", 0);
        f.setWidth(9);
        assertThat(RecordValidators.videoFrame(f)).isEqualTo("RGB24 9x6 needs 162 bytes, got 144");
        f.setWidth(8);
        f.setEncoding(FrameEncoding.GRAY8);
        assertThat(RecordValidators.videoFrame(f)).contains("needs 48 bytes");
        f.setWidth(-8);
        assertThat(RecordValidators.videoFrame(f)).startsWith("non-positive size");
        f.setWidth(100_000);
        assertThat(RecordValidators.videoFrame(f)).contains("above 16384");
        VideoFrame empty = TestRecords.videoFrame("s", 0);
        empty.setEncoding(FrameEncoding.JPEG);
        empty.setData(ByteBuffer.allocate(0));
        assertThat(RecordValidators.videoFrame(empty)).isEqualTo("empty JPEG data");
    }

    @Test
    void audioMustHaveASaneRateWholeFramesAndFiniteSamples() {
        AudioChunk c = TestRecords.audioChunk("s", 0);
        c.setSampleRate(5);
        assertThat(RecordValidators.audioChunk(c)).startsWith("sample rate 5 Hz");
        c.setSampleRate(16_000);
        c.setChannels(3); // 1280 bytes is not a multiple of 12
        assertThat(RecordValidators.audioChunk(c)).contains("not a positive multiple of 12");
        c.setChannels(1);
        ByteBuffer nan = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        nan.putFloat(0.1f).putFloat(Float.NaN).putFloat(0f).putFloat(0f).flip();
        c.setSamples(nan);
        assertThat(RecordValidators.audioChunk(c)).isEqualTo("sample 1 is NaN");
        c.setSampleFormat(SampleFormat.S16LE); // NaN bits are a valid 16-bit sample
        assertThat(RecordValidators.audioChunk(c)).isNull();
        // Finite but absurd: 1e30 turned a window's scores into NaN (HostileInputITCase).
        c.setSampleFormat(SampleFormat.F32LE);
        ByteBuffer loud = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        loud.putFloat(1.5f).putFloat(-1000f).putFloat(0f).putFloat(-1e30f).flip();
        c.setSamples(loud);
        assertThat(RecordValidators.audioChunk(c)).startsWith("sample 3 is -1.0E30, beyond ±1000");
    }

    @Test
    void textMustBeBoundedWithFiniteFeaturesAndSaneTime() {
        TextEvent t = TestRecords.textEvent("s", 1);
        t.setFeatures(Map.of("x", Double.POSITIVE_INFINITY));
        assertThat(RecordValidators.textEvent(t)).isEqualTo("feature 'x' is Infinity");
        t.setFeatures(null);
        t.setEventTimeUs(0);
        assertThat(RecordValidators.textEvent(t)).contains("outside years 2000-2100");
        t.setEventTimeUs(TestRecords.T0_US);
        t.setText("x".repeat(RecordValidators.MAX_TEXT_CHARS + 1));
        assertThat(RecordValidators.textEvent(t)).contains("above");
        t.setText("ok");
        t.setStreamId(" ");
        assertThat(RecordValidators.textEvent(t)).isEqualTo("empty streamId");
    }
}
