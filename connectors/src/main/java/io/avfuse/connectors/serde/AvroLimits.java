package io.avfuse.connectors.serde;

import java.util.List;
import org.apache.avro.SystemLimitException;
import org.apache.avro.util.ClassSecurityValidator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Avro's decode-time size limits. Without them an 8-byte message that declares a 1 GB {@code bytes}
 * field makes Avro allocate 1 GB. Avro reads the limits from system properties once, when {@link
 * SystemLimitException} is first loaded, so every avfuse JVM sets them on its command line ({@link
 * #JVM_OPTIONS}); {@link #ensure()} fills in the defaults when a JVM was started without them and
 * Avro has not decoded anything yet, and warns when it is too late. It also adds the generated
 * schema package to the classes Avro trusts to instantiate.
 */
public final class AvroLimits {
    /** Largest {@code bytes} field: a raw 1920x1080 RGB24 frame is 6.2 MB. */
    public static final long MAX_BYTES = 16L << 20;

    public static final long MAX_STRING = 4L << 20;
    public static final long MAX_COLLECTION_ITEMS = 1L << 20;

    /** The {@code -D} options every launcher passes to a JVM that decodes avfuse records. */
    public static final List<String> JVM_OPTIONS =
            List.of(
                    "-D" + SystemLimitException.MAX_BYTES_LENGTH_PROPERTY + "=" + MAX_BYTES,
                    "-D" + SystemLimitException.MAX_STRING_LENGTH_PROPERTY + "=" + MAX_STRING,
                    "-D"
                            + SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY
                            + "="
                            + MAX_COLLECTION_ITEMS,
                    "-Dorg.apache.avro.SERIALIZABLE_PACKAGES=io.avfuse.schemas");

    private static final String SCHEMA_PACKAGE = "io.avfuse.schemas";
    private static final Logger LOG = LoggerFactory.getLogger(AvroLimits.class);
    private static volatile boolean checked;

    private AvroLimits() {}

    /** Makes sure the limits are in force in this JVM; returns whether they are. */
    public static boolean ensure() {
        if (!checked) {
            synchronized (AvroLimits.class) {
                if (!checked) {
                    setDefault(SystemLimitException.MAX_BYTES_LENGTH_PROPERTY, MAX_BYTES);
                    setDefault(SystemLimitException.MAX_STRING_LENGTH_PROPERTY, MAX_STRING);
                    setDefault(
                            SystemLimitException.MAX_COLLECTION_LENGTH_PROPERTY,
                            MAX_COLLECTION_ITEMS);
                    trustSchemaPackage();
                    checked = true;
                    if (!inForce()) {
                        LOG.warn(
                                "Avro size limits are not in force in this JVM (Avro was used before"
                                        + " avfuse could set them): a hostile record can exhaust"
                                        + " the heap. Start the JVM with {}",
                                JVM_OPTIONS);
                    }
                }
            }
        }
        return inForce();
    }

    /** Whether a declared {@code bytes} length above {@link #MAX_BYTES} is rejected. */
    public static boolean inForce() {
        try {
            SystemLimitException.checkMaxBytesLength(MAX_BYTES + 1);
            return false;
        } catch (SystemLimitException expected) {
            return true;
        }
    }

    /**
     * Avro refuses to instantiate classes outside its trusted set. The trust is widened through the
     * API rather than the system property because Avro reads that property only once.
     */
    private static void trustSchemaPackage() {
        ClassSecurityValidator.ClassSecurityPredicate current = ClassSecurityValidator.getGlobal();
        ClassSecurityValidator.setGlobal(
                ClassSecurityValidator.composite(
                        current, c -> SCHEMA_PACKAGE.equals(c.getPackageName())));
    }

    private static void setDefault(String property, long value) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, Long.toString(value));
        }
    }
}
