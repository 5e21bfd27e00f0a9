package dev.pipelinearchiver.storage;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * The archive root as configured, in its one canonical spelling: {@code file:/absolute/dir} for a
 * local directory (a plain path, relative or not, or a {@code file://} URI) and {@code s3://bucket/prefix}
 * for an object store ({@code s3a://} is an alias). Locations of files under the root are the root
 * followed by {@code /}-separated names, so a ledger path and a listed path compare as strings.
 */
public record ArchiveRoot(Scheme scheme, String bucket, String path) {

    /** The schemes a root may have; any other is refused before anything runs. */
    public enum Scheme {
        FILE,
        S3
    }

    public static final String SUPPORTED = "a local path, file:///absolute/path, s3://bucket/prefix (s3a:// alias)";

    /**
     * Parses a configured root; an unsupported scheme or a malformed one fails with one sentence that
     * names the supported schemes.
     */
    public static ArchiveRoot parse(String configured) {
        String value = configured.strip();
        int colon = value.indexOf(':');
        String scheme = colon > 1 && value.substring(0, colon).matches("[A-Za-z][A-Za-z0-9+.-]*")
                ? value.substring(0, colon).toLowerCase(Locale.ROOT)
                : null;
        if (scheme == null) {
            return local(Paths.get(value));
        }
        switch (scheme) {
            case "file" -> {
                try {
                    return local(Paths.get(new URI(value.replace(" ", "%20"))));
                } catch (URISyntaxException | IllegalArgumentException e) {
                    throw unsupported(configured, "not a file URI (" + e.getMessage() + ")");
                }
            }
            case "s3", "s3a" -> {
                String rest = value.substring(colon + 1);
                if (!rest.startsWith("//")) {
                    throw unsupported(configured, "expected s3://bucket/prefix");
                }
                rest = rest.substring(2);
                int slash = rest.indexOf('/');
                String bucket = slash < 0 ? rest : rest.substring(0, slash);
                String prefix = slash < 0 ? "" : trimSlashes(rest.substring(slash + 1));
                if (!bucket.matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
                    throw unsupported(configured, "'" + bucket + "' is not a valid bucket name");
                }
                return new ArchiveRoot(Scheme.S3, bucket, prefix);
            }
            default -> throw unsupported(configured, "the scheme " + scheme + ": is not supported");
        }
    }

    private static ArchiveRoot local(Path path) {
        return new ArchiveRoot(
                Scheme.FILE, null, path.toAbsolutePath().normalize().toString());
    }

    private static ArchiveIoException unsupported(String configured, String why) {
        return new ArchiveIoException(
                "Unsupported archive root " + configured + ": " + why + "; supported: " + SUPPORTED, null);
    }

    private static String trimSlashes(String s) {
        int start = 0;
        int end = s.length();
        while (start < end && s.charAt(start) == '/') {
            start++;
        }
        while (end > start && s.charAt(end - 1) == '/') {
            end--;
        }
        return s.substring(start, end);
    }

    /** The root in canonical form: {@code file:/dir} or {@code s3://bucket[/prefix]}. */
    @Override
    public String toString() {
        return switch (scheme) {
            case FILE -> "file:" + path;
            case S3 -> "s3://" + bucket + (path.isEmpty() ? "" : "/" + path);
        };
    }

    /** The location of a file or directory below the root. */
    public String resolve(String relative) {
        return toString() + "/" + relative;
    }

    /**
     * A location in canonical form, so that spellings of one file compare equal: {@code s3a://} becomes
     * {@code s3://}, {@code file:///x} and {@code /x} become {@code file:/x}.
     */
    public static String canonical(String location) {
        if (location.startsWith("s3a://")) {
            return "s3://" + location.substring("s3a://".length());
        }
        if (location.startsWith("file:///")) {
            return "file:/" + location.substring("file:///".length());
        }
        if (location.startsWith("/")) {
            return "file:" + location;
        }
        return location;
    }

    /** Whether a (canonical) location lies below this root. */
    public boolean contains(String location) {
        return canonical(location).startsWith(toString() + "/");
    }
}
