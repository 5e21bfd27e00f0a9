package dev.pipelinearchiver.verify;

/**
 * One difference between the archive and the ledger.
 *
 * @param path the file, as the ledger or the archive's file system names it
 * @param detail what differs, in words
 */
public record Problem(Kind kind, String path, String detail) {

    public enum Kind {
        /** In the ledger, not in the archive. */
        MISSING,
        /** Its bytes differ from those recorded (SHA-256 or size). */
        CHANGED,
        /** Same bytes, but the footer's row count differs from the ledger's. */
        ROWS,
        /** The file cannot be read as Parquet. */
        UNREADABLE,
        /** A Parquet file in a dataset that the ledger does not know. */
        UNKNOWN,
        /** Recorded by the ledger under another archive root than the one verified: not read. */
        OTHER_ROOT
    }

    /** The line the operator reads: kind, file, what differs. */
    public String line() {
        return String.format("%-10s %s: %s", kind, path, detail);
    }
}
