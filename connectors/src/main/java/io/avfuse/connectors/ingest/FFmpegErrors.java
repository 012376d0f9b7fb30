package io.avfuse.connectors.ingest;

import static org.bytedeco.ffmpeg.global.avutil.av_strerror;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bytedeco.javacpp.BytePointer;

/** FFmpeg error codes as the words FFmpeg itself uses. */
final class FFmpegErrors {
    private static final Pattern CODE = Pattern.compile("error (-\\d+)");

    private FFmpegErrors() {}

    static String describe(int code) {
        try (BytePointer buffer = new BytePointer(256)) {
            if (av_strerror(code, buffer, 256) == 0) {
                // The buffer's limit is its capacity: cut at the terminating NUL.
                String text = buffer.getString();
                int end = text.indexOf('\0');
                return end >= 0 ? text.substring(0, end) : text;
            }
        }
        return "FFmpeg error " + code;
    }

    /** The FFmpeg reason inside a JavaCV exception message ("... error -22: ..."), if any. */
    static String reasonOf(Throwable e) {
        String message = String.valueOf(e.getMessage());
        Matcher m = CODE.matcher(message);
        if (m.find()) {
            try {
                return describe(Integer.parseInt(m.group(1)));
            } catch (NumberFormatException ignored) {
                // fall through to the raw message
            }
        }
        return message;
    }
}
