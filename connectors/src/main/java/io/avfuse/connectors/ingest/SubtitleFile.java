package io.avfuse.connectors.ingest;

import io.avfuse.schemas.TextKind;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a sidecar subtitle file, SubRip ({@code .srt}) or WebVTT ({@code .vtt}), into captions on
 * the media clock. Both share the shape "optional id line, {@code start --> end}, text lines, blank
 * line"; WebVTT's header, {@code NOTE}/{@code STYLE}/{@code REGION} blocks, cue settings and markup
 * tags are dropped.
 *
 * <p>{@code List<TimedText> captions = SubtitleFile.read(Path.of("clip0.srt"));}
 */
public final class SubtitleFile {
    private static final Pattern TIMING =
            Pattern.compile("^\\s*(\\S+)\\s+-->\\s+(\\S+)(?:\\s+.*)?$");
    private static final Pattern TIME =
            Pattern.compile("^(?:(\\d+):)?(\\d{1,2}):(\\d{2})[,.](\\d{1,3})$");
    private static final Pattern TAG = Pattern.compile("<[^>]*>");

    private SubtitleFile() {}

    public static List<TimedText> read(Path file) {
        try {
            return parse(Sidecars.readText(file), file.toString());
        } catch (IOException e) {
            throw new IngestException(
                    IngestException.INPUT, "cannot read subtitles " + file + ": " + e.getMessage());
        }
    }

    /** Parses SRT or WebVTT text; {@code source} names it in error messages. */
    public static List<TimedText> parse(String content, String source) {
        String[] lines = content.replace("\uFEFF", "").split("\\r?\\n|\\r", -1);
        List<TimedText> cues = new ArrayList<>();
        int i = 0;
        while (i < lines.length) {
            String line = lines[i];
            String trimmed = line.strip();
            if (trimmed.startsWith("WEBVTT")
                    || trimmed.startsWith("NOTE")
                    || trimmed.startsWith("STYLE")
                    || trimmed.startsWith("REGION")) {
                i = skipBlock(lines, i);
                continue;
            }
            Matcher timing = TIMING.matcher(line);
            if (!timing.matches()) {
                i++; // blank lines and cue ids / SRT counters
                continue;
            }
            long start = parseTime(timing.group(1), source, i + 1);
            long end = parseTime(timing.group(2), source, i + 1);
            if (end < start) {
                throw new IngestException(
                        IngestException.INPUT,
                        source + ":" + (i + 1) + ": cue ends before it starts: " + trimmed);
            }
            StringBuilder text = new StringBuilder();
            i++;
            while (i < lines.length && !lines[i].isBlank()) {
                if (text.length() > 0) {
                    text.append('\n');
                }
                text.append(TAG.matcher(lines[i].strip()).replaceAll(""));
                i++;
            }
            cues.add(new TimedText(start, end - start, TextKind.CAPTION, text.toString(), null));
        }
        return cues;
    }

    /** {@code [HH:]MM:SS,mmm} or {@code [HH:]MM:SS.mmm} in µs. */
    static long parseTime(String value, String source, int lineNumber) {
        Matcher m = TIME.matcher(value);
        if (!m.matches()) {
            throw new IngestException(
                    IngestException.INPUT,
                    source + ":" + lineNumber + ": bad timestamp '" + value + "'");
        }
        if (m.group(1) != null && m.group(1).length() > 6) {
            throw new IngestException(
                    IngestException.INPUT,
                    source + ":" + lineNumber + ": timestamp '" + value + "' is out of range");
        }
        long hours = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
        long minutes = Long.parseLong(m.group(2));
        long seconds = Long.parseLong(m.group(3));
        String fraction = (m.group(4) + "00").substring(0, 3);
        long millis = ((hours * 60 + minutes) * 60 + seconds) * 1000 + Long.parseLong(fraction);
        return millis * 1000;
    }

    private static int skipBlock(String[] lines, int i) {
        while (i < lines.length && !lines[i].isBlank()) {
            i++;
        }
        return i;
    }
}
