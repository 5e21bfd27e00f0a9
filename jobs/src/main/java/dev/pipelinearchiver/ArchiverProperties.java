package dev.pipelinearchiver;

import dev.pipelinearchiver.parquet.ZstdPages;
import dev.pipelinearchiver.storage.SupportedArchiveRoot;
import jakarta.validation.Valid;
import jakarta.validation.constraints.AssertTrue;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Deployment settings of the archiver ({@code archiver.*}), validated at start so that a bad setting
 * stops the process before anything is read, written or deleted. Every setting is documented in
 * {@code config/application.yml}.
 */
@Validated
@ConfigurationProperties("archiver")
public record ArchiverProperties(
        @NotBlank @SupportedArchiveRoot String outputRoot,
        @Valid @DefaultValue Source source,
        @Min(1) @Max(100_000) @DefaultValue("5000") int batchSize,
        @Min(1) @Max(10_000) @DefaultValue("500") int purgeBatchSize,
        @Min(1) @Max(64) @DefaultValue("2") int exportThreads,
        @Min(1) @Max(16) @DefaultValue("2") int purgeThreads,
        @Valid @DefaultValue Parquet parquet,
        @Valid @DefaultValue Shard shard,
        @Valid @DefaultValue Stats stats,
        @Valid @DefaultValue Throttle throttle,
        @Valid @DefaultValue S3 s3,
        @Valid @DefaultValue Database database) {

    /**
     * Object-store roots ({@code s3://bucket/prefix}). Credentials, region and endpoint come from the
     * AWS SDK's standard chain and variables ({@code AWS_*}), never from these settings.
     */
    public record S3(
            // null: path-style addressing with a custom endpoint, virtual-hosted on AWS
            Boolean pathStyle,
            // overrides AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (e.g. http://minio:9000)
            String endpoint,

            @DefaultValue("none") @Pattern(regexp = "none|AES256|aws:kms")
            String serverSideEncryption,

            String kmsKeyId,
            // one part of a multipart upload, held in memory per open file (S3's minimum part is 5 MiB)
            @Min(5 << 20) @Max(512 << 20) @DefaultValue("8388608")
            int partBytes,
            // attempts per request, with the SDK's backoff (throttling, 5xx, dropped connections)
            @Min(1) @Max(50) @DefaultValue("10") int maxAttempts,
            @DefaultValue("60s") Duration socketTimeout) {}

    /** Where the backend's runs are and what "finished" means; every other table is found from the catalog. */
    public record Source(
            @DefaultValue("public") @Pattern(regexp = IDENTIFIER)
            String schema,

            @DefaultValue("pipeline_runs") @Pattern(regexp = IDENTIFIER)
            String runsTable,

            @DefaultValue("id") @Pattern(regexp = IDENTIFIER)
            String idColumn,

            @DefaultValue("finished_at") @Pattern(regexp = IDENTIFIER)
            String finishedAtColumn,

            @DefaultValue("status") @Pattern(regexp = IDENTIFIER)
            String statusColumn,

            @DefaultValue({"ok", "error", "cancelled"}) @NotEmpty
            List<@NotBlank String> finishedStatuses,

            @DefaultValue Map<String, List<String>> sortColumns) {}

    /** Parquet writer settings: they bound the writer's memory (one row group per open file). */
    public record Parquet(
            @DefaultValue("ZSTD") @Pattern(regexp = "UNCOMPRESSED|SNAPPY|GZIP|ZSTD|LZ4_RAW")
            String compression,

            @DefaultValue("1") int compressionLevel,
            @Min(1 << 20) @DefaultValue("67108864") long rowGroupBytes,
            @Min(1 << 12) @DefaultValue("4194304") int pageBytes,
            // ZSTD only (log2): 0 keeps the level's own window and hash-table sizes
            @DefaultValue("22") int zstdWindowLog,
            @DefaultValue("18") int zstdHashLog) {

        @AssertTrue(message = "compression-level must be one of zstd's levels (at most 22) when compression is ZSTD")
        public boolean isCompressionLevelValid() {
            return !"ZSTD".equals(compression) || ZstdPages.validLevel(compressionLevel);
        }

        @AssertTrue(
                message = "zstd-window-log must be 0 (the level's own) or between " + ZstdPages.MIN_WINDOW_LOG + " and "
                        + ZstdPages.MAX_WINDOW_LOG)
        public boolean isZstdWindowLogValid() {
            return ZstdPages.validWindowLog(zstdWindowLog);
        }

        @AssertTrue(
                message = "zstd-hash-log must be 0 (the level's own) or between " + ZstdPages.MIN_HASH_LOG + " and "
                        + ZstdPages.MAX_HASH_LOG)
        public boolean isZstdHashLogValid() {
            return ZstdPages.validHashLog(zstdHashLog);
        }
    }

    /** Shard i of N (DESIGN.md "Scale"): this process archives the runs with id mod N = i. */
    public record Shard(
            @Min(0) @DefaultValue("0") int index,
            @Min(1) @DefaultValue("1") int count) {

        @AssertTrue(
                message = "index must be below count (shards are numbered 0 .. count - 1; in a Kubernetes Indexed Job"
                        + " the index comes from JOB_COMPLETION_INDEX and count must equal the Job's completions)")
        public boolean isIndexBelowCount() {
            return index < count;
        }
    }

    /**
     * Per-step statistics, folded from the archived rows of one table (the steps table); disabled when
     * that table is not among the archived ones.
     */
    public record Stats(
            @DefaultValue("true") boolean enabled,

            @DefaultValue("pipeline_steps") @Pattern(regexp = IDENTIFIER)
            String table,

            @DefaultValue("step_name") @Pattern(regexp = IDENTIFIER)
            String stepNameColumn,

            @DefaultValue("status") @Pattern(regexp = IDENTIFIER)
            String statusColumn,

            @DefaultValue("duration_ms") @Pattern(regexp = IDENTIFIER)
            String durationColumn,

            @DefaultValue("error") @Pattern(regexp = IDENTIFIER)
            String errorColumn,

            @Min(1) @Max(1000) @DefaultValue("10") int topErrors) {}

    /**
     * Protects the backend while purging: a pause after each delete transaction, and a wait while
     * replication lag (as the lag query reports it, in seconds) exceeds a bound.
     */
    public record Throttle(
            @DefaultValue("0ms") Duration purgePause,
            Duration maxReplicationLag,
            @DefaultValue(DEFAULT_LAG_QUERY) @NotBlank String replicationLagQuery,
            @DefaultValue("1s") Duration lagPollInterval) {}

    /**
     * How a launch lives with the database going away (docs/database-faults.md): how long it waits for
     * PostgreSQL and retries the unit of work that failed (a lost connection, a terminated backend, a server
     * restarting, a serialization failure or a deadlock), the first wait (doubled each time, up to the
     * largest), and the timeouts of the job's short statements (0: none).
     */
    public record Database(
            @DefaultValue("3m") Duration retryFor,
            @DefaultValue("100ms") Duration retryDelay,
            @DefaultValue("10s") Duration retryMaxDelay,
            @DefaultValue("5m") Duration statementTimeout,
            @DefaultValue("10s") Duration lockTimeout) {

        @AssertTrue(message = "retry-for, statement-timeout and lock-timeout must not be negative")
        public boolean isNotNegative() {
            return !retryFor.isNegative() && !statementTimeout.isNegative() && !lockTimeout.isNegative();
        }

        @AssertTrue(message = "retry-delay must be positive and at most retry-max-delay")
        public boolean isRetryDelayValid() {
            return !retryDelay.isNegative() && !retryDelay.isZero() && retryDelay.compareTo(retryMaxDelay) <= 0;
        }
    }

    /** Largest lag of any standby, in seconds (0 without standbys; needs pg_monitor to see other roles' senders). */
    public static final String DEFAULT_LAG_QUERY =
            "SELECT coalesce(extract(epoch FROM max(greatest(write_lag, flush_lag, replay_lag))), 0)"
                    + " FROM pg_stat_replication";

    /** A PostgreSQL identifier we accept from configuration: quoted later, but never anything exotic. */
    public static final String IDENTIFIER = "[A-Za-z_][A-Za-z0-9_$]{0,62}";
}
