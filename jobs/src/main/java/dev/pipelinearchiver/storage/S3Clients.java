package dev.pipelinearchiver.storage;

import dev.pipelinearchiver.ArchiverProperties;
import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;

/**
 * The S3 client, configured the way AWS tools are: credentials from the SDK's default chain
 * (environment, profiles, web identity as used by EKS service accounts, container and instance roles),
 * the region from {@code AWS_REGION} or the profile, and a custom endpoint from
 * {@code AWS_ENDPOINT_URL_S3} / {@code AWS_ENDPOINT_URL} (or {@code archiver.s3.endpoint}). With a
 * custom endpoint (MinIO, Ceph RGW, R2, GCS's XML API) path-style addressing is used unless
 * {@code archiver.s3.path-style} says otherwise, the region defaults to us-east-1, and request
 * checksums are sent only where the API requires them (many S3-compatible stores reject the SDK's
 * default CRC32 trailers). No credential ever reaches a log or a message.
 */
final class S3Clients {

    private S3Clients() {}

    static S3Client build(ArchiverProperties.S3 settings) {
        URI endpoint = customEndpoint(settings);
        boolean pathStyle = settings.pathStyle() != null ? settings.pathStyle() : endpoint != null;
        S3ClientBuilder builder = S3Client.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(settings.socketTimeout()))
                .forcePathStyle(pathStyle)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(settings.maxAttempts())
                        .build()));
        if (settings.endpoint() != null && !settings.endpoint().isBlank()) {
            builder.endpointOverride(endpoint);
        }
        builder.region(region(endpoint != null));
        if (endpoint != null && unset("AWS_REQUEST_CHECKSUM_CALCULATION", "aws.requestChecksumCalculation")) {
            builder.requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED);
        }
        if (endpoint != null && unset("AWS_RESPONSE_CHECKSUM_VALIDATION", "aws.responseChecksumValidation")) {
            builder.responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        }
        return builder.build();
    }

    /** The endpoint that is not AWS's own, if any: the setting, else the SDK's standard variables. */
    static URI customEndpoint(ArchiverProperties.S3 settings) {
        for (String value : new String[] {
            settings.endpoint(),
            System.getProperty("aws.endpointUrlS3"),
            System.getenv("AWS_ENDPOINT_URL_S3"),
            System.getProperty("aws.endpointUrl"),
            System.getenv("AWS_ENDPOINT_URL")
        }) {
            if (value != null && !value.isBlank()) {
                try {
                    return URI.create(value.strip());
                } catch (IllegalArgumentException e) {
                    throw new ArchiveIoException("The S3 endpoint " + value + " is not a URL: " + e.getMessage(), e);
                }
            }
        }
        return null;
    }

    private static Region region(boolean customEndpoint) {
        try {
            return new DefaultAwsRegionProviderChain().getRegion();
        } catch (SdkClientException e) {
            if (customEndpoint) {
                return Region.US_EAST_1; // S3-compatible stores accept any region name in the signature
            }
            throw new ArchiveIoException(
                    "No AWS region for the s3:// archive root: set AWS_REGION (or a region in the AWS profile)", e);
        }
    }

    private static boolean unset(String variable, String property) {
        return System.getenv(variable) == null && System.getProperty(property) == null;
    }
}
