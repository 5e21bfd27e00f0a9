package dev.pipelinearchiver.contract;

import dev.pipelinearchiver.storage.ArchiveIoException;
import dev.pipelinearchiver.storage.ArchiveRoot;
import java.nio.file.Path;
import java.nio.file.Paths;

/**
 * An archive root as the table definitions need it: a local directory, or a bucket and prefix on an
 * object store, parsed by the job's own rules ({@link ArchiveRoot}). Each engine spells it its own way
 * ({@link #duckDb()}: a plain path or {@code s3://}).
 */
public record ArchiveLocation(ArchiveRoot root) {

    /**
     * Reads a root as the job's {@code archiver.output-root} takes it.
     *
     * @throws IllegalArgumentException for an unsupported scheme or a malformed root
     */
    public static ArchiveLocation parse(String root) {
        if (root == null || root.isBlank()) {
            throw new IllegalArgumentException("The archive root is empty.");
        }
        try {
            return new ArchiveLocation(ArchiveRoot.parse(root));
        } catch (ArchiveIoException e) {
            throw new IllegalArgumentException(e.getMessage() + "; no table definition is made for it.", e);
        }
    }

    public boolean isLocal() {
        return root.scheme() == ArchiveRoot.Scheme.FILE;
    }

    /** The local directory (only for a local root). */
    public Path directory() {
        if (!isLocal()) {
            throw new IllegalStateException(this + " is not a local directory");
        }
        return Paths.get(root.path());
    }

    /** The root as DuckDB reads it: an absolute path, or {@code s3://bucket/prefix} (with its httpfs extension). */
    public String duckDb() {
        return isLocal() ? root.path() : root.toString();
    }

    /** A dataset's directory under the root, in DuckDB's spelling. */
    public String duckDb(String dataset) {
        String base = duckDb();
        return (base.endsWith("/") ? base : base + "/") + dataset;
    }

    /**
     * A dataset's directory as a URI for a Hive-style engine: {@code file:///dir/dataset} for a local root,
     * else the bucket under {@code objectScheme} ({@code s3} for Athena and Trino, {@code s3a} for Spark's
     * Hadoop file systems).
     */
    public String uri(String objectScheme, String dataset) {
        if (isLocal()) {
            return directory().resolve(dataset).toUri().toString().replaceFirst("/$", "");
        }
        return objectScheme + "://" + root.bucket() + "/" + (root.path().isEmpty() ? "" : root.path() + "/") + dataset;
    }

    @Override
    public String toString() {
        return isLocal() ? root.path() : root.toString();
    }
}
