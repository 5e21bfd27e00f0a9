package dev.pipelinearchiver.storage;

import java.util.function.Supplier;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * Parquet's view of a file a storage writes: one stream, whether Parquet asks to create or to overwrite
 * (the storage decides what replaces what, at publish), and no block size.
 */
final class StreamOutputFile implements OutputFile {

    private final String path;
    private final Supplier<PositionOutputStream> stream;

    StreamOutputFile(String path, Supplier<PositionOutputStream> stream) {
        this.path = path;
        this.stream = stream;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) {
        return stream.get();
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) {
        return stream.get();
    }

    @Override
    public boolean supportsBlockSize() {
        return false;
    }

    @Override
    public long defaultBlockSize() {
        return 0;
    }

    @Override
    public String getPath() {
        return path;
    }
}
