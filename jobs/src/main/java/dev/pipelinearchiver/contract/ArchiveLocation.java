package dev.pipelinearchiver.contract;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * An archive root as the table definitions need it: a local directory, or a bucket and prefix on an
 * object store. Each engine spells it its own way ({@link #duckDb()}: a plain path or {@code s3://}).
 */
public record ArchiveLocation(String scheme, String authority, String path) {

    /**
     * Reads a root as the job's {@code archiver.output-root} takes it: a local path (relative to the working
     * directory), a {@code file:} URI, or {@code s3://} / {@code s3a://} with a bucket.
     *
     * @throws IllegalArgumentException for any other scheme, or an object-store root without a bucket
     */
    public static ArchiveLocation parse(String root) {
        if (root == null || root.isBlank()) {
            throw new IllegalArgumentException("The archive root is empty.");
        }
        URI uri;
        try {
            uri = new URI(root.replace(" ", "%20"));
        } catch (URISyntaxException e) {
            uri = null; // a local path with characters a URI does not allow
        }
        if (uri == null || uri.getScheme() == null || uri.getScheme().length() == 1 /* a Windows drive */) {
            return local(Paths.get(root));
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        return switch (scheme) {
            case "file" -> local(Paths.get(uri));
            case "s3", "s3a" -> {
                if (uri.getHost() == null || uri.getHost().isEmpty()) {
                    throw new IllegalArgumentException("The archive root " + root + " names no bucket.");
                }
                String prefix = uri.getPath() == null ? "" : uri.getPath().replaceAll("/+$", "");
                yield new ArchiveLocation("s3", uri.getHost(), prefix);
            }
            default ->
                throw new IllegalArgumentException("The archive root " + root
                        + " is neither a local directory nor an s3:// location; no table definition is made for it.");
        };
    }

    private static ArchiveLocation local(Path path) {
        String absolute = path.toAbsolutePath().normalize().toString();
        return new ArchiveLocation("file", "", absolute.length() > 1 ? absolute.replaceAll("/+$", "") : absolute);
    }

    public boolean isLocal() {
        return "file".equals(scheme);
    }

    /** The local directory (only for a local root). */
    public Path directory() {
        if (!isLocal()) {
            throw new IllegalStateException(this + " is not a local directory");
        }
        return Paths.get(path);
    }

    /** The root as DuckDB reads it: an absolute path, or {@code s3://bucket/prefix} (with its httpfs extension). */
    public String duckDb() {
        return isLocal() ? path : "s3://" + authority + path;
    }

    /** A dataset's directory under the root, in DuckDB's spelling. */
    public String duckDb(String dataset) {
        String root = duckDb();
        return (root.endsWith("/") ? root : root + "/") + dataset;
    }

    @Override
    public String toString() {
        return isLocal() ? path : scheme + "://" + authority + path;
    }
}
