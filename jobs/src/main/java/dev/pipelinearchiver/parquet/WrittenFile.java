package dev.pipelinearchiver.parquet;

/** A Parquet file in place in the archive: its URI, footer row count, size and SHA-256 of its bytes. */
public record WrittenFile(String path, long rows, long bytes, String sha256) {}
