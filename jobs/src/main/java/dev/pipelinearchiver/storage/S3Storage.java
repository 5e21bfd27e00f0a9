package dev.pipelinearchiver.storage;

import dev.pipelinearchiver.ArchiverProperties;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.parquet.io.InputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.AbortMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.MultipartUpload;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The archive in an S3 bucket (Amazon S3 or an S3-compatible store) below a key prefix. An object
 * store has no rename, and an object is visible only once complete (a single PUT or a completed
 * multipart upload), so a file is uploaded straight to its final key when it is published; the size
 * stored is compared with the bytes written, and the footer is read back by ranged reads, before the
 * file counts as archived. Part buffers are bounded ({@link ArchiverProperties.S3#partBytes()} per open
 * file).
 */
final class S3Storage implements ArchiveStorage {

    private static final Logger log = LoggerFactory.getLogger(S3Storage.class);

    private final ArchiveRoot root;
    private final S3Client s3;
    private final ArchiverProperties.S3 settings;
    private final PartBlocks blocks;

    S3Storage(ArchiveRoot root, S3Client s3, ArchiverProperties.S3 settings) {
        this.root = root;
        this.s3 = s3;
        this.settings = settings;
        this.blocks = new PartBlocks();
    }

    @Override
    public ArchiveRoot root() {
        return root;
    }

    String bucket() {
        return root.bucket();
    }

    /** The object key of a location below the root. */
    String keyOf(String location) {
        String canonical = ArchiveRoot.canonical(location);
        String bucketPrefix = "s3://" + root.bucket() + "/";
        if (!canonical.startsWith(bucketPrefix)) {
            throw new IllegalArgumentException(location + " is not in the bucket " + root.bucket());
        }
        return canonical.substring(bucketPrefix.length());
    }

    private String prefixOf(String relativeDirectory) {
        String prefix = root.path().isEmpty() ? "" : root.path() + "/";
        return relativeDirectory.isEmpty() ? prefix : prefix + relativeDirectory + "/";
    }

    @Override
    public NewFile create(String location) {
        return new S3Upload(this, keyOf(location), settings.partBytes(), blocks);
    }

    @Override
    public InputFile open(String location) throws IOException {
        String key = keyOf(location);
        HeadObjectResponse head = head(key);
        if (head == null) {
            throw new java.nio.file.NoSuchFileException(location);
        }
        return new S3InputFile(this, key, head.contentLength(), head.eTag());
    }

    @Override
    public long size(String location) throws IOException {
        HeadObjectResponse head = head(keyOf(location));
        return head == null ? -1 : head.contentLength();
    }

    /** The object's metadata, or null when there is no such object. */
    HeadObjectResponse head(String key) throws IOException {
        try {
            return s3.headObject(b -> b.bucket(bucket()).key(key));
        } catch (NoSuchKeyException e) {
            return null;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return null;
            }
            throw S3Errors.io("s3:GetObject (HEAD)", bucket(), key, e);
        } catch (SdkException e) {
            throw S3Errors.io("s3:GetObject (HEAD)", bucket(), key, e);
        }
    }

    @Override
    public List<String> listParquet(String relativeDirectory) throws IOException {
        String prefix = prefixOf(relativeDirectory);
        List<String> files = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(
                            b -> b.bucket(bucket()).prefix(prefix))
                    .contents()) {
                String below = object.key().substring(prefix.length());
                if (object.key().endsWith(".parquet") && !hidden(below)) {
                    files.add("s3://" + bucket() + "/" + object.key());
                }
            }
        } catch (SdkException e) {
            throw S3Errors.io("s3:ListBucket", bucket(), prefix, e);
        }
        return files;
    }

    /** A key below a dataset with a component starting with . or _ (in-flight or metadata). */
    private static boolean hidden(String relativeKey) {
        for (String part : relativeKey.split("/")) {
            if (part.startsWith(".") || part.startsWith("_")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void delete(String location) throws IOException {
        String key = keyOf(location);
        try {
            s3.deleteObject(b -> b.bucket(bucket()).key(key));
        } catch (SdkException e) {
            throw S3Errors.io("s3:DeleteObject", bucket(), key, e);
        }
    }

    @Override
    public void checkReadable() {
        try {
            s3.listObjectsV2(b -> b.bucket(bucket()).prefix(prefixOf("")).maxKeys(1));
        } catch (SdkException e) {
            throw new ArchiveIoException(
                    "The archive root " + root + " cannot be read: " + S3Errors.describe("s3:ListBucket", bucket(), e),
                    e);
        }
    }

    /**
     * Lists the root (the bucket exists, the credentials are accepted, s3:ListBucket is granted), then
     * writes, reads and deletes a probe object below it (s3:PutObject, s3:GetObject, s3:DeleteObject),
     * and lists the multipart uploads (s3:ListBucketMultipartUploads): a refusal names the operation.
     */
    @Override
    public void checkWritable() {
        String probe = prefixOf("_probe") + "write-probe-" + UUID.randomUUID();
        String step = "s3:ListBucket";
        try {
            s3.listObjectsV2(b -> b.bucket(bucket()).prefix(prefixOf("")).maxKeys(1));
            step = "s3:PutObject";
            putObject(probe, RequestBody.fromBytes(new byte[] {0}));
            step = "s3:GetObject";
            s3.getObjectAsBytes(b -> b.bucket(bucket()).key(probe));
            step = "s3:DeleteObject";
            s3.deleteObject(b -> b.bucket(bucket()).key(probe));
            step = "s3:ListBucketMultipartUploads";
            s3.listMultipartUploads(b -> b.bucket(bucket()).prefix(prefixOf("")));
        } catch (SdkException e) {
            throw new ArchiveIoException(
                    "The archive root " + root + " is not usable: " + S3Errors.describe(step, bucket(), e), e);
        }
    }

    void putObject(String key, RequestBody body) {
        s3.putObject(
                b -> {
                    b.bucket(bucket()).key(key);
                    S3Encryption.apply(settings, b);
                },
                body);
    }

    @Override
    public int removeAbandonedUploads(String fileTag) throws IOException {
        String prefix = prefixOf("");
        int removed = 0;
        try {
            for (MultipartUpload upload : s3.listMultipartUploadsPaginator(
                            b -> b.bucket(bucket()).prefix(prefix))
                    .uploads()) {
                String name = upload.key().substring(upload.key().lastIndexOf('/') + 1);
                if (name.contains(fileTag)) {
                    abort(upload.key(), upload.uploadId());
                    log.info(
                            "aborted an incomplete upload of {} begun {} (a launch that did not finish)",
                            upload.key(),
                            upload.initiated());
                    removed++;
                }
            }
        } catch (SdkException e) {
            throw S3Errors.io("s3:ListBucketMultipartUploads", bucket(), prefix, e);
        }
        return removed;
    }

    S3Client client() {
        return s3;
    }

    ArchiverProperties.S3 settings() {
        return settings;
    }

    void abort(String key, String uploadId) {
        s3.abortMultipartUpload(AbortMultipartUploadRequest.builder()
                .bucket(bucket())
                .key(key)
                .uploadId(uploadId)
                .build());
    }

    /** An interrupted SDK call is an interrupted I/O, not a store failure. */
    static IOException interrupted(AbortedException e) {
        Thread.currentThread().interrupt();
        InterruptedIOException io = new InterruptedIOException("interrupted: " + e.getMessage());
        io.initCause(e);
        return io;
    }
}
