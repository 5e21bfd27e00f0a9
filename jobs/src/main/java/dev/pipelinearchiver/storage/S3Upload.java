package dev.pipelinearchiver.storage;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.PositionOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * A file written straight to its final key. Parts of {@code partBytes} are uploaded as they fill (a
 * multipart upload begun with the first full part); the last part, or the whole file when it fits in
 * one part, is sent only by {@link #publish}, so nothing is visible under the key before then. Closed
 * unpublished, the multipart upload is aborted. Memory: at most one part per open file.
 */
final class S3Upload implements ArchiveStorage.NewFile {

    private static final Logger log = LoggerFactory.getLogger(S3Upload.class);

    private final S3Storage storage;
    private final String key;
    private final int partBytes;
    private final PartBlocks pool;

    private final List<byte[]> blocks = new ArrayList<>();
    /** Bytes in the current part. */
    private int filled;

    private String uploadId;
    private final List<CompletedPart> parts = new ArrayList<>();
    private long position;
    private boolean done;

    S3Upload(S3Storage storage, String key, int partBytes, PartBlocks pool) {
        this.storage = storage;
        this.key = key;
        this.partBytes = partBytes;
        this.pool = pool;
    }

    @Override
    public OutputFile output() {
        return new StreamOutputFile("s3://" + storage.bucket() + "/" + key, this::stream);
    }

    private PositionOutputStream stream() {
        return new PositionOutputStream() {
            @Override
            public long getPos() {
                return position;
            }

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                append(b, off, len);
            }

            /** The last part is sent by publish: closing the stream only ends the writing. */
            @Override
            public void close() {}
        };
    }

    private void append(byte[] b, int off, int len) throws IOException {
        if (done) {
            throw new IOException("s3://" + storage.bucket() + "/" + key + " is already published or discarded");
        }
        while (len > 0) {
            if (filled == partBytes) {
                uploadPart(); // only when more bytes follow, so the last part is never empty
            }
            int inBlock = filled % PartBlocks.BLOCK_BYTES;
            if (inBlock == 0 && filled / PartBlocks.BLOCK_BYTES == blocks.size()) {
                blocks.add(pool.take());
            }
            byte[] block = blocks.get(filled / PartBlocks.BLOCK_BYTES);
            int n = Math.min(len, Math.min(PartBlocks.BLOCK_BYTES - inBlock, partBytes - filled));
            System.arraycopy(b, off, block, inBlock, n);
            filled += n;
            position += n;
            off += n;
            len -= n;
        }
    }

    /** The current part's bytes, readable again for each retry of the request. */
    private RequestBody body() {
        int size = filled;
        List<byte[]> part = List.copyOf(blocks);
        return RequestBody.fromContentProvider(
                () -> {
                    List<InputStream> pieces = new ArrayList<>();
                    for (int i = 0, left = size; left > 0; i++, left -= PartBlocks.BLOCK_BYTES) {
                        pieces.add(new ByteArrayInputStream(part.get(i), 0, Math.min(left, PartBlocks.BLOCK_BYTES)));
                    }
                    return new SequenceInputStream(Collections.enumeration(pieces));
                },
                size,
                "application/octet-stream");
    }

    private void uploadPart() throws IOException {
        try {
            if (uploadId == null) {
                uploadId = storage.client()
                        .createMultipartUpload(b -> {
                            b.bucket(storage.bucket()).key(key);
                            S3Encryption.apply(storage.settings(), b);
                        })
                        .uploadId();
            }
            int number = parts.size() + 1;
            String etag = storage.client()
                    .uploadPart(
                            b -> b.bucket(storage.bucket())
                                    .key(key)
                                    .uploadId(uploadId)
                                    .partNumber(number)
                                    .contentLength((long) filled),
                            body())
                    .eTag();
            parts.add(CompletedPart.builder().partNumber(number).eTag(etag).build());
            filled = 0;
        } catch (SdkException e) {
            throw S3Errors.io("s3:PutObject (part)", storage.bucket(), key, e);
        }
    }

    @Override
    public void publish(ArchiveStorage.Check check) throws IOException {
        if (done) {
            throw new IOException("s3://" + storage.bucket() + "/" + key + " is already published or discarded");
        }
        try {
            if (uploadId == null) {
                storage.putObject(key, body());
            } else {
                uploadPart();
                storage.client()
                        .completeMultipartUpload(b -> b.bucket(storage.bucket())
                                .key(key)
                                .uploadId(uploadId)
                                .multipartUpload(m -> m.parts(parts)));
            }
        } catch (SdkException e) {
            throw S3Errors.io("s3:PutObject", storage.bucket(), key, e);
        }
        done = true;
        releaseBlocks();
        // confirmed as stored before it counts: the size, then the footer by ranged reads of this version
        HeadObjectResponse head = storage.head(key);
        if (head == null || head.contentLength() != position) {
            throw new IOException("s3://" + storage.bucket() + "/" + key + " holds "
                    + (head == null ? "nothing" : head.contentLength() + " bytes") + " after its upload, " + position
                    + " were written");
        }
        check.check(new S3InputFile(storage, key, head.contentLength(), head.eTag()));
    }

    @Override
    public void close() {
        if (done) {
            return;
        }
        done = true;
        releaseBlocks();
        if (uploadId != null) {
            try {
                storage.abort(key, uploadId);
            } catch (SdkException e) {
                // the next launch of this shard aborts it (and a bucket lifecycle rule, as a second line)
                log.warn("could not abort the upload of s3://{}/{}: {}", storage.bucket(), key, e.getMessage());
            }
        }
    }

    private void releaseBlocks() {
        blocks.forEach(pool::release);
        blocks.clear();
        filled = 0;
    }
}
