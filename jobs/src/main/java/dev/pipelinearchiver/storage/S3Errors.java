package dev.pipelinearchiver.storage;

import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;

/** An S3 failure in one line an operator can act on (the refused permission, the missing bucket). */
final class S3Errors {

    private S3Errors() {}

    static String describe(String action, String bucket, SdkException e) {
        if (e instanceof AwsServiceException service) {
            String code = service.awsErrorDetails() == null
                    ? null
                    : service.awsErrorDetails().errorCode();
            int status = service.statusCode();
            if ("NoSuchBucket".equals(code) || (status == 404 && code == null)) {
                return "the bucket '" + bucket + "' does not exist";
            }
            if ("InvalidAccessKeyId".equals(code)
                    || "SignatureDoesNotMatch".equals(code)
                    || "ExpiredToken".equals(code)
                    || "InvalidToken".equals(code)) {
                return "the store refused the credentials (" + code
                        + "): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN or the profile";
            }
            if (status == 403) {
                return action + " is denied on the bucket '" + bucket + "' (" + (code == null ? "403" : code) + ")";
            }
            return action + " failed: HTTP " + status + (code == null ? "" : " " + code) + ": "
                    + oneLine(
                            service.awsErrorDetails() == null
                                    ? service.getMessage()
                                    : service.awsErrorDetails().errorMessage());
        }
        return action + " failed: " + oneLine(e.getMessage());
    }

    static IOException io(String operation, String bucket, String key, SdkException e) {
        return new ArchiveStoreException(
                "S3 " + operation + " s3://" + bucket + "/" + key + ": " + describe(operation, bucket, e), e);
    }

    private static String oneLine(String message) {
        return message == null ? "" : message.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
