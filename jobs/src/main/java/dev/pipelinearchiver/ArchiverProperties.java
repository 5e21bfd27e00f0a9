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
 * stops the process before anything is read, written or deleted. Each setting is described once, by the
 * {@code @param} tags here: the build turns them into Spring Boot's configuration metadata (IDEs complete and
 * explain the settings), and the README's settings table is that metadata (SettingsMetadataTest).
 *
 * @param outputRoot archive root: a local path, file:///absolute/path, or s3://bucket/prefix (s3a:// is an alias)
 *     for Amazon S3 and S3-compatible stores (docs/object-storage.md); any other scheme stops the start (exit 2)
 * @param source the backend's runs table and what finished means
 * @param batchSize runs per archive batch (one file per table and batch)
 * @param purgeBatchSize runs per delete transaction (keep each transaction short)
 * @param exportThreads batches exported side by side
 * @param purgeThreads batches purged side by side, beside the export (1 is gentlest on the backend)
 * @param parquet Parquet writer settings
 * @param shard this process's shard of the runs
 * @param stats per-step statistics per day
 * @param throttle protection of the backend while purging
 * @param s3 object-store settings, for s3:// roots only
 * @param database how a launch lives with the database going away
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
     *
     * @param pathStyle path-style addressing; unset: path-style with a custom endpoint, virtual-hosted on AWS
     * @param endpoint the S3 endpoint, e.g. http://minio:9000; overrides AWS_ENDPOINT_URL_S3 and AWS_ENDPOINT_URL
     * @param serverSideEncryption none, AES256 (SSE-S3) or aws:kms (SSE-KMS)
     * @param kmsKeyId the KMS key with aws:kms; unset: the bucket's or the account's key
     * @param partBytes multipart part size, held in memory per open file (S3's minimum part is 5 MiB)
     * @param maxAttempts attempts per request, with the SDK's backoff (throttling, 5xx, dropped connections)
     * @param socketTimeout longest wait for data on an S3 connection
     */
    public record S3(
            Boolean pathStyle,
            String endpoint,

            @DefaultValue("none") @Pattern(regexp = "none|AES256|aws:kms")
            String serverSideEncryption,

            String kmsKeyId,

            @Min(5 << 20) @Max(512 << 20) @DefaultValue("8388608")
            int partBytes,

            @Min(1) @Max(50) @DefaultValue("10") int maxAttempts,
            @DefaultValue("60s") Duration socketTimeout) {}

    /**
     * Where the backend's runs are and what "finished" means; every other table is found from the catalog.
     *
     * @param schema schema of the backend's tables
     * @param runsTable the runs table, one row per run; its deletion cascades to every other archived table
     * @param idColumn the runs table's id
     * @param finishedAtColumn when a run finished: the cutoff applies to it, and its UTC date is the run's dt
     * @param statusColumn a run's status
     * @param finishedStatuses statuses of finished runs; runs in any other status (running) are never touched
     * @param sortColumns order of a table's rows within a run in the files, per table (default: primary key)
     * @param arraysAsText array columns (table.column) archived as PostgreSQL's array text instead of a Parquet
     *     LIST: for arrays of several dimensions or not counted from 1, which a LIST cannot hold
     */
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

            @DefaultValue Map<String, List<String>> sortColumns,

            @DefaultValue List<@Pattern(regexp = IDENTIFIER + "\\." + IDENTIFIER) String> arraysAsText) {}

    /**
     * Parquet writer settings: they bound the writer's memory (one row group per open file).
     *
     * @param compression UNCOMPRESSED, SNAPPY, GZIP, ZSTD or LZ4_RAW
     * @param compressionLevel the codec's level; with ZSTD and the two zstd settings, level 1 comes within 1 % of
     *     zstd -3's size for 5-10 % less CPU (docs/decisions/0006-zstd-contexts.md)
     * @param rowGroupBytes row group size: bounds the writer's memory, one row group per open file
     * @param pageBytes page size: zstd compresses each page alone, so larger pages give it more context
     * @param zstdWindowLog zstd's window (log2), ZSTD only; 0 keeps the level's own
     * @param zstdHashLog zstd's match table (log2), ZSTD only; 0 keeps the level's own
     */
    public record Parquet(
            @DefaultValue("ZSTD") @Pattern(regexp = "UNCOMPRESSED|SNAPPY|GZIP|ZSTD|LZ4_RAW")
            String compression,

            @DefaultValue("1") int compressionLevel,
            @Min(1 << 20) @DefaultValue("67108864") long rowGroupBytes,
            @Min(1 << 12) @DefaultValue("4194304") int pageBytes,
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

    /**
     * Shard i of N (DESIGN.md "Scale"): this process archives the runs with id mod N = i.
     *
     * @param index this process's shard, 0 to count - 1; a Kubernetes Indexed Job sets it from
     *     JOB_COMPLETION_INDEX (docs/shards.md)
     * @param count the number of shards; every shard of a cutoff uses the same
     */
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
     *
     * @param enabled fold per-step statistics per day from the archived steps
     * @param table the table the statistics are folded from
     * @param stepNameColumn the step name column of that table
     * @param statusColumn the status column of that table: ok, skip or error (other values are counted apart)
     * @param durationColumn the duration column of that table, in milliseconds
     * @param errorColumn the error message column of that table
     * @param topErrors most frequent error patterns kept per day and step name
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
     *
     * @param purgePause sleep after each delete transaction (e.g. 200ms)
     * @param maxReplicationLag before each delete transaction, wait while a standby lags more (e.g. 30s); unset:
     *     do not check
     * @param replicationLagQuery the largest lag of any standby, in seconds (needs pg_monitor to see other roles'
     *     senders)
     * @param lagPollInterval how often the lag is checked while waiting
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
     *
     * @param retryFor how long a launch waits for PostgreSQL and retries the unit of work that failed; past it,
     *     exit 1, and the next launch resumes
     * @param retryDelay first wait before a retry, doubled each time (with jitter) up to retry-max-delay
     * @param retryMaxDelay longest wait between two retries
     * @param statementTimeout timeout of the job's statements (ledger, plan, purge, statistics, metadata), not
     *     the export's COPY; 0: none
     * @param lockTimeout longest wait for a lock held by another session (e.g. the backend holding a run)
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
