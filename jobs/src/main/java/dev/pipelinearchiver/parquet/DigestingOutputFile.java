package dev.pipelinearchiver.parquet;

import java.io.IOException;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;

/**
 * An output file whose bytes are digested (SHA-256) and counted as Parquet writes them, so that a file's
 * checksum costs no second read of it. Parquet writes a file from start to end, never seeking back:
 * the digest is the file's.
 */
final class DigestingOutputFile implements OutputFile {

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

    private PositionOutputStream digesting(PositionOutputStream out) {
        if (created) {
            throw new IllegalStateException("Parquet opened " + file.getPath() + " twice for writing");
        }
        created = true;
        return new PositionOutputStream() {
            @Override
            public long getPos() throws IOException {
                return out.getPos();
            }

            @Override
            public void write(int b) throws IOException {
                out.write(b);
                digest.update((byte) b);
                bytes++;
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
                digest.update(b, off, len);
                bytes += len;
            }

            @Override
            public void flush() throws IOException {
                out.flush();
            }

            @Override
            public void close() throws IOException {
                out.close();
            }
        };
    }
}
