package dev.pipelinearchiver.storage;

import java.io.Closeable;
import java.io.IOException;
import java.util.List;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.OutputFile;

/**
 * Where the archive's files live, behind one seam: a local file system or an object store. Locations
 * are canonical URIs below {@link #root()}. A file is written through {@link #create} and becomes
 * visible under its location, whole, only when {@link NewFile#publish} returns.
 */
public interface ArchiveStorage {

    ArchiveRoot root();

    /** Starts a file at a location; nothing is visible there until it is published. */
    NewFile create(String location) throws IOException;

    /** Opens a published file for (random-access) reading. */
    InputFile open(String location) throws IOException;

    /** The size of the file at a location, or -1 when there is none. */
    long size(String location) throws IOException;

    /**
     * The locations of the {@code .parquet} files below a directory of the root, at any depth; names
     * starting with {@code .} (in-flight files) or {@code _} (metadata) are skipped with all below them.
     */
    List<String> listParquet(String relativeDirectory) throws IOException;

    void delete(String location) throws IOException;

    /**
     * Fails with an {@link ArchiveIoException} naming the root and the cause unless the root can be
     * listed and read: called before a command reads the archive, so that a wrong root or refused
     * credentials give one line instead of one failure per file.
     */
    void checkReadable();

    /**
     * Fails with an {@link ArchiveIoException} naming the root and the cause unless a file can be
     * written, read and deleted there: called before a launch writes anything anywhere.
     */
    void checkWritable();

    /**
     * Removes what a killed launch left behind that no reader sees but that costs space: the incomplete
     * multipart uploads on an object store whose key's file name carries {@code fileTag} (a shard's
     * files). Called under the shard's lock before the launch uploads anything, so each upload it finds
     * began before the launch, in a launch of this shard that is gone; the store's own clock (its
     * uploads' initiation times, which some S3-compatible stores do not keep) is not needed. Returns how
     * many were removed.
     */
    int removeAbandonedUploads(String fileTag) throws IOException;

    /** A file being written. Closing it unpublished discards what was written. */
    interface NewFile extends Closeable {

        /** Where Parquet writes the bytes; its stream's position is the exact count of bytes written. */
        OutputFile output();

        /**
         * Makes the written file visible under its location. {@code check} reads it back (footer, length);
         * where the storage can, it runs before the file replaces anything (a file system: before the
         * rename), else right after the upload completed (an object store has no rename).
         */
        void publish(Check check) throws IOException;
    }

    /** Reads a written file back before it counts as archived. */
    @FunctionalInterface
    interface Check {
        void check(InputFile written) throws IOException;
    }
}
