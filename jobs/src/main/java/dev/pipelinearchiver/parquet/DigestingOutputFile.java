package dev.pipelinearchiver.parquet;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * An output file whose bytes are digested (SHA-256) and counted as Parquet writes them, so that a file's
 * checksum costs no second read of it. Parquet writes a file from start to end, never seeking back:
 * the digest is the file's. Writes are buffered here, in large pieces ({@link #BUFFER_BYTES}).
 */
final class DigestingOutputFile implements OutputFile {

    /**
     * Writes reach the file system in pieces of this size. Parquet hands a column chunk over in 8 KB
     * pieces (and Hadoop's stream buffers 4 KB): each such write into a page the file did not yet
     * have made the kernel zero the rest of that page first (ext4's partial-block write), ~0.35 s of a
     * 200k launch's CPU and 46,000 system calls for its 373 MB.
     */
    static final int BUFFER_BYTES = 1 << 20;

    private final OutputFile file;
    private final MessageDigest digest = Sha256.newDigest();
    private long bytes;
    private boolean created;

    DigestingOutputFile(OutputFile file) {
        this.file = file;
    }

    @Override
    public PositionOutputStream create(long blockSizeHint) throws IOException {
        return digesting(file.create(blockSizeHint));
    }

    @Override
    public PositionOutputStream createOrOverwrite(long blockSizeHint) throws IOException {
        return digesting(file.createOrOverwrite(blockSizeHint));
    }

    @Override
    public boolean supportsBlockSize() {
        return file.supportsBlockSize();
    }

    @Override
    public long defaultBlockSize() {
        return file.defaultBlockSize();
    }

    @Override
    public String getPath() {
        return file.getPath();
    }

    /** Bytes written so far. */
    long bytes() {
        return bytes;
    }

    /** The SHA-256 of the bytes written (hex); call once, after the file is closed. */
    String sha256() {
        return HexFormat.of().formatHex(digest.digest());
    }

    private PositionOutputStream digesting(PositionOutputStream out) throws IOException {
        if (created) {
            throw new IllegalStateException("Parquet opened " + file.getPath() + " twice for writing");
        }
        created = true;
        long start = out.getPos();
        return new PositionOutputStream() {
            private final byte[] buffer = new byte[BUFFER_BYTES];
            private int buffered;

            @Override
            public long getPos() {
                return start + bytes;
            }

            @Override
            public void write(int b) throws IOException {
                if (buffered == buffer.length) {
                    drain();
                }
                buffer[buffered++] = (byte) b;
                digest.update((byte) b);
                bytes++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                digest.update(b, off, len);
                bytes += len;
                if (len > buffer.length - buffered) {
                    drain();
                    if (len >= buffer.length) {
                        out.write(b, off, len);
                        return;
                    }
                }
                System.arraycopy(b, off, buffer, buffered, len);
                buffered += len;
            }

            private void drain() throws IOException {
                if (buffered > 0) {
                    out.write(buffer, 0, buffered);
                    buffered = 0;
                }
            }

            @Override
            public void flush() throws IOException {
                drain();
                out.flush();
            }

            @Override
            public void close() throws IOException {
                drain();
                out.close();
            }
        };
    }
}
