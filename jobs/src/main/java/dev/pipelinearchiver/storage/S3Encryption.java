package dev.pipelinearchiver.storage;

import dev.pipelinearchiver.ArchiverProperties;
import software.amazon.awssdk.services.s3.model.CreateMultipartUploadRequest;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.ServerSideEncryption;

/** Server-side encryption of the objects the archive writes (none, SSE-S3, or SSE-KMS with a key id). */
final class S3Encryption {

    private S3Encryption() {}

    static void apply(ArchiverProperties.S3 settings, PutObjectRequest.Builder request) {
        ServerSideEncryption sse = algorithm(settings);
        if (sse != null) {
            request.serverSideEncryption(sse);
            if (sse == ServerSideEncryption.AWS_KMS && settings.kmsKeyId() != null) {
                request.ssekmsKeyId(settings.kmsKeyId());
            }
        }
    }

    static void apply(ArchiverProperties.S3 settings, CreateMultipartUploadRequest.Builder request) {
        ServerSideEncryption sse = algorithm(settings);
        if (sse != null) {
            request.serverSideEncryption(sse);
            if (sse == ServerSideEncryption.AWS_KMS && settings.kmsKeyId() != null) {
                request.ssekmsKeyId(settings.kmsKeyId());
            }
        }
    }

    private static ServerSideEncryption algorithm(ArchiverProperties.S3 settings) {
        return switch (settings.serverSideEncryption()) {
            case "AES256" -> ServerSideEncryption.AES256;
            case "aws:kms" -> ServerSideEncryption.AWS_KMS;
            default -> null;
        };
    }
}
