package io.avfuse.connectors.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.avfuse.schemas.TextKind;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** SRT, WebVTT and JSONL metadata parsing, and the ASS text FFmpeg's subtitle decoders emit. */
class TextFilesTest {
    @Test
    void srtCuesWithMultiLineTextAndTags() {
        String srt =
                "\uFEFF1\r\n00:00:01,500 --> 00:00:02,250\r\n<i>Rain</i> again\r\nsecond line\r\n\r\n"
                        + "2\r\n01:02:03,004 --> 01:02:04,000\r\ngoal!\r\n";
        List<TimedText> cues = SubtitleFile.parse(srt, "a.srt");
        assertThat(cues).hasSize(2);
        assertThat(cues.get(0))
                .isEqualTo(
                        new TimedText(
                                1_500_000,
                                750_000,
                                TextKind.CAPTION,
                                "Rain again\nsecond line",
                                null));
        assertThat(cues.get(1).offsetUs()).isEqualTo(((3600 + 2 * 60 + 3) * 1000 + 4) * 1000L);
    }

    @Test
    void webVttWithHeaderNotesIdsSettingsAndShortTimestamps() {
        String vtt =
                "WEBVTT - demo\n\nNOTE a comment\nspanning lines\n\n"
                        + "intro\n00:01.000 --> 00:02.500 align:start position:10%\n"
                        + "<v Roger>Hello <b>there</b>\n\n"
                        + "00:00:03.100 --> 00:00:04.000\nbye\n";
        List<TimedText> cues = SubtitleFile.parse(vtt, "a.vtt");
        assertThat(cues).extracting(TimedText::text).containsExactly("Hello there", "bye");
        assertThat(cues.get(0).offsetUs()).isEqualTo(1_000_000);
        assertThat(cues.get(0).durationUs()).isEqualTo(1_500_000);
        assertThat(cues.get(1).offsetUs()).isEqualTo(3_100_000);
    }

    @Test
    void badTimestampNamesFileAndLine() {
        assertThatThrownBy(
                        () -> SubtitleFile.parse("1\n00:00:xx,000 --> 00:00:01,000\nhi\n", "b.srt"))
                .isInstanceOf(IngestException.class)
                .hasMessage("b.srt:2: bad timestamp '00:00:xx,000'");
    }

    @Test
    void jsonlMetadataBecomesFeatureEvents() {
        List<TimedText> events =
                MetadataFile.parse(
                        List.of(
                                "# comment",
                                "{\"t\": 1.5, \"duration\": 1, \"text\": \"scene\","
                                        + " \"features\": {\"crowd\": 0.25, \"n\": 3}}",
                                "",
                                "{\"t\": 0}"),
                        "m.jsonl");
        assertThat(events).hasSize(2);
        assertThat(events.get(0))
                .isEqualTo(
                        new TimedText(
                                1_500_000,
                                1_000_000,
                                TextKind.METADATA,
                                "scene",
                                Map.of("crowd", 0.25, "n", 3.0)));
        assertThat(events.get(1).features()).isNull();
        assertThat(events.get(1).text()).isEmpty();
    }

    @Test
    void jsonlErrorsNameTheLine() {
        assertThatThrownBy(() -> MetadataFile.parse(List.of("{\"t\": 1}", "{oops"), "m.jsonl"))
                .isInstanceOf(IngestException.class)
                .hasMessageStartingWith("m.jsonl:2: not JSON");
        assertThatThrownBy(() -> MetadataFile.parse(List.of("{\"duration\": 1}"), "m.jsonl"))
                .hasMessageContaining("m.jsonl:1: needs \"t\"");
        assertThatThrownBy(
                        () ->
                                MetadataFile.parse(
                                        List.of("{\"t\": 1, \"features\": {\"a\": \"x\"}}"),
                                        "m.jsonl"))
                .hasMessageContaining("feature \"a\" is not a finite number");
    }

    @Test
    void assEventTextLosesFieldsAndOverrides() {
        assertThat(EmbeddedSubtitles.assText("0,0,Default,,0,0,0,,{\\i1}Hello{\\i0}, world\\Nbye"))
                .isEqualTo("Hello, world\nbye");
        assertThat(
                        EmbeddedSubtitles.assText(
                                "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,plain"))
                .isEqualTo("plain");
    }

    @Test
    void defaultStreamIds() {
        assertThat(IngestCommand.defaultStreamId("/data/clip 1.mp4")).isEqualTo("clip_1");
        assertThat(IngestCommand.defaultStreamId("rtsp://cam.local:554/live?x=1"))
                .isEqualTo("live");
        assertThat(IngestCommand.defaultStreamId("lavfi:testsrc2")).isEqualTo("lavfi");
    }

    @org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp;

    @Test
    void latin1SidecarsAreReadNotRejected() throws Exception {
        java.nio.file.Path srt = tmp.resolve("movie.srt");
        java.nio.file.Files.write(
                srt,
                "1\n00:00:01,000 --> 00:00:02,000\nCaf\u00e9 cr\u00e8me\n"
                        .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(SubtitleFile.read(srt))
                .extracting(TimedText::text)
                .containsExactly("Café crème");
    }

    @Test
    void absurdTimesAreInputErrorsNotOverflows() {
        assertThatThrownBy(
                        () ->
                                SubtitleFile.parse(
                                        "1\n99999999999999999999:00:01,000 --> 00:00:02,000\nx\n",
                                        "a.srt"))
                .isInstanceOf(IngestException.class)
                .hasMessageContaining("a.srt:2");
        assertThatThrownBy(() -> MetadataFile.parse(java.util.List.of("{\"t\": 1e300}"), "m.jsonl"))
                .isInstanceOf(IngestException.class)
                .hasMessageContaining("m.jsonl");
    }
}
