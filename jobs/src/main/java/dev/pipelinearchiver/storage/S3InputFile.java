package dev.pipelinearchiver.storage;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.io.InputFile;
import org.apache.parquet.io.SeekableInputStream;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * One version of an object, read by ranged GETs: small reads (Parquet's footer, page headers) through
 * a read-ahead buffer, large ones (column chunks) straight into the caller's array. Every request
 * names the version's ETag, so an object replaced while it is read fails the read instead of mixing
 * two versions.
 */
final class S3InputFile implements InputFile {

    static final int READ_AHEAD = 1 << 20;

    private final S3Storage storage;
    private final String key;
    private final long length;
    private final String etag;

    S3InputFile(S3Storage storage, String key, long length, String etag) {
        this.storage = storage;
        this.key = key;
        this.length = length;
        this.etag = etag;
    }

    @Override
    public long getLength() {
        return length;
    }

    @Override
    public SeekableInputStream newStream() {
        return new RangeStream();
    }

    @Override
    public String toString() {
        return "s3://" + storage.bucket() + "/" + key;
    }

    /** Reads {@code len} bytes at {@code start} of the object into {@code dst}. */
    private void fetch(long start, byte[] dst, int off, int len) throws IOException {
        String range = "bytes=" + start + "-" + (start + len - 1);
        try (ResponseInputStream<GetObjectResponse> in = storage.client()
                .getObject(b -> b.bucket(storage.bucket()).key(key).range(range).ifMatch(etag))) {
            int read = in.readNBytes(dst, off, len);
            if (read != len) {
                throw new EOFException(this + ": " + read + " bytes at " + start + ", expected " + len);
            }
        } catch (S3Exception e) {
            if (e.statusCode() == 412) {
                throw new IOException(this + " was replaced while it was read", e);
            }
            throw S3Errors.io("s3:GetObject", storage.bucket(), key, e);
        } catch (SdkException e) {
            throw S3Errors.io("s3:GetObject", storage.bucket(), key, e);
        }
    }

    private final class RangeStream extends SeekableInputStream {

        private long pos;
        private byte[] buffer;
        private long bufferStart;
        private int bufferLength;

        @Override
        public long getPos() {
            return pos;
        }

        @Override
        public void seek(long newPos) throws IOException {
            if (newPos < 0 || newPos > length) {
                throw new EOFException(S3InputFile.this + ": seek to " + newPos + " of " + length + " bytes");
            }
            pos = newPos;
        }

        @Override
        public int read() throws IOException {
            if (pos >= length) {
                return -1;
            }
            if (!buffered(pos)) {
                fill(pos);
            }
            return buffer[(int) (pos++ - bufferStart)] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            if (pos >= length) {
                return -1;
            }
            int n = (int) Math.min(len, length - pos);
            if (buffered(pos)) {
                n = Math.min(n, (int) (bufferStart + bufferLength - pos));
                System.arraycopy(buffer, (int) (pos - bufferStart), b, off, n);
            } else if (n >= READ_AHEAD) {
                fetch(pos, b, off, n);
            } else {
                fill(pos);
                n = Math.min(n, bufferLength);
                System.arraycopy(buffer, 0, b, off, n);
            }
            pos += n;
            return n;
        }

        @Override
        public void readFully(byte[] bytes) throws IOException {
            readFully(bytes, 0, bytes.length);
        }

        @Override
        public void readFully(byte[] bytes, int start, int len) throws IOException {
            while (len > 0) {
                int n = read(bytes, start, len);
                if (n < 0) {
                    throw new EOFException(S3InputFile.this + ": end of object with " + len + " bytes to read");
                }
                start += n;
                len -= n;
            }
        }

        @Override
        public int read(ByteBuffer buf) throws IOException {
            if (!buf.hasRemaining()) {
                return 0;
            }
            if (buf.hasArray()) {
                int n = read(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
                if (n > 0) {
                    buf.position(buf.position() + n);
                }
                return n;
            }
            byte[] copy = new byte[Math.min(buf.remaining(), READ_AHEAD)];
            int n = read(copy, 0, copy.length);
            if (n > 0) {
                buf.put(copy, 0, n);
            }
            return n;
        }

        @Override
        public void readFully(ByteBuffer buf) throws IOException {
            while (buf.hasRemaining()) {
                if (read(buf) < 0) {
                    throw new EOFException(
                            S3InputFile.this + ": end of object with " + buf.remaining() + " bytes to read");
                }
            }
        }

        private boolean buffered(long at) {
            return buffer != null && at >= bufferStart && at < bufferStart + bufferLength;
        }

        private void fill(long at) throws IOException {
            if (buffer == null) {
                buffer = new byte[READ_AHEAD];
            }
            int n = (int) Math.min(READ_AHEAD, length - at);
            fetch(at, buffer, 0, n);
            bufferStart = at;
            bufferLength = n;
        }

        @Override
        public void close() {
            buffer = null;
        }
    }
}
