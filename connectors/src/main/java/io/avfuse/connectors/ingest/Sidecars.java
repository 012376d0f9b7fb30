package io.avfuse.connectors.ingest;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads sidecar text files (subtitles, metadata) as UTF-8, or as Latin-1 when they are not. */
final class Sidecars {
    private Sidecars() {}

    /**
     * Many subtitle files are still cp1252/Latin-1; refusing them would abort an ingest for a file
     * the user may not even have asked for. Every byte is a Latin-1 character, so the fallback
     * always decodes.
     */
    static String readText(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException notUtf8) {
            return new String(bytes, StandardCharsets.ISO_8859_1);
        }
    }
}
