package dev.pipelinearchiver.archive;

import com.zaxxer.hikari.HikariDataSource;
import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.database.DatabaseRetry;
import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.stats.StatisticsStore;
import dev.pipelinearchiver.stats.StepStatsTasklet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.configuration.annotation.StepScope;
import org.springframework.batch.core.job.Job;
import org.springframework.batch.core.job.builder.FlowBuilder;
import org.springframework.batch.core.job.builder.JobBuilder;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.partition.Partitioner;
import org.springframework.batch.core.repository.JobRepository;
import org.springframework.batch.core.step.Step;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.builder.StepBuilder;
import org.springframework.batch.infrastructure.item.ExecutionContext;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The archive job: {@code planStep} (freeze eligible runs into batches) → {@code exportStep} (one
 * partition per batch, on {@code archiver.export-threads} threads) beside {@code purgeStep} (short delete
 * transactions on each batch once it is WRITTEN; merges each purged batch's step statistics) →
 * {@code statsStep} (rewrites the touched days of the step_stats dataset) → {@code manifestStep}.
 *
 * <p>Export and purge run at the same time (a split): PostgreSQL deletes one batch while the JVM
 * encodes the next, instead of one waiting for the other. The purge still only ever touches batches
 * whose files are written, verified and recorded. Job and step names are keys in the metadata tables:
 * never rename them. The identifying parameters are {@code cutoff} and, with several shards,
 * {@code shard}; relaunching a failed cutoff
 * restarts its job instance, and the ledger makes every step idempotent, so export and purge run again
 * on every restart ({@code allowStartIfComplete}) and pick up whatever batches are left.
 *
 * <p>Every tasklet step retries a call that failed for a transient database reason (a lost connection, a
 * serialization failure, a deadlock) under the job's retry policy ({@link DatabaseRetry}): the call's
 * transaction is rolled back and the tasklet called again, which re-reads the ledger.
 */
@Configuration(proxyBeanMethods = false)
public class ArchiveJobConfiguration {

    private static final Logger log = LoggerFactory.getLogger(ArchiveJobConfiguration.class);

    public static final String JOB_NAME = "archiveJob";
    public static final String CUTOFF = "cutoff";
    /**
     * Identifying when the runs are split between shards ({@code index/count}, e.g. {@code 1/4}): each
     * shard's launch for a cutoff is a job instance of its own. Absent with one shard.
     */
    public static final String SHARD = "shard";
    /** Non-identifying: the instant after which the launch stops at its next safe point ({@code --max-runtime}). */
    public static final String DEADLINE = "deadline";

    static final String BATCH_ID = "batchId";

    /** Static: a post-processor of the data source, created before the other beans of this class. */
    @Bean
    static AsyncCommits asyncCommits(Environment environment) {
        return new AsyncCommits(environment);
    }

    @Bean
    Job archiveJob(
            JobRepository jobRepository,
            Step planStep,
            Step exportStep,
            Step purgeStep,
            Step statsStep,
            Step manifestStep,
            ExportProgress progress) {
        Flow export = progress.endingWith(
                new FlowBuilder<Flow>("exportFlow").start(exportStep).build());
        Flow purge = new FlowBuilder<Flow>("purgeFlow").start(purgeStep).build();
        Flow exportBesidePurge = new FlowBuilder<Flow>("exportAndPurge")
                .split(new SimpleAsyncTaskExecutor("phase-"))
                .add(export, purge)
                .build();
        return new JobBuilder(JOB_NAME, jobRepository)
                .validator(new CutoffParameterValidator())
                .flow(planStep)
                .next(exportBesidePurge)
                .next(statsStep)
                .next(manifestStep)
                .end()
                .build();
    }

    @Bean
    Step planStep(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            Ledger ledger,
            SourceCatalog catalog,
            ParquetArchive archive,
            ArchiverProperties properties,
            DatabaseRetry retry) {
        return new StepBuilder("planStep", jobRepository)
                .tasklet(new PlanTasklet(ledger, catalog, archive, properties))
                .transactionManager(transactionManager)
                .exceptionHandler(retry.stepExceptionHandler()) // the plan skips runs already planned
                .build();
    }

    @Bean
    Step exportStep(
            JobRepository jobRepository,
            Step exportBatchStep,
            Ledger ledger,
            ExportProgress progress,
            ArchiverProperties properties) {
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor("export-");
        threads.setConcurrencyLimit(properties.exportThreads());
        return new StepBuilder(ExportProgress.EXPORT_STEP, jobRepository)
                .partitioner(exportBatchStep)
                .splitter(new OldestBatchFirstSplitter(
                        jobRepository,
                        exportBatchStep.getName(),
                        batchPartitioner(ledger, properties.shard().index())))
                .taskExecutor(threads)
                .gridSize(properties.exportThreads())
                .listener(progress) // the purge beside it stops waiting when this ends
                .allowStartIfComplete(true) // the purge waits for it, so it must run in every execution
                .build();
    }

    /** The launch's deadline, or null without {@code --max-runtime}. */
    static Instant deadline(StepExecution step) {
        String deadline = step.getJobParameters().getString(DEADLINE);
        return deadline == null ? null : Instant.parse(deadline);
    }

    /** One partition per batch still to export; partition names are stable across restarts. */
    private static Partitioner batchPartitioner(Ledger ledger, int shard) {
        return gridSize -> {
            Map<String, ExecutionContext> partitions = new LinkedHashMap<>();
            for (long batchId : ledger.batches(shard, BatchState.PLANNED)) {
                ExecutionContext context = new ExecutionContext();
                context.putLong(BATCH_ID, batchId);
                partitions.put(OldestBatchFirstSplitter.partitionName(batchId), context);
            }
            return partitions;
        };
    }

    @Bean
    Step exportBatchStep(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            ExportBatchTasklet exportBatchTasklet,
            ExportProgress progress,
            DatabaseRetry retry) {
        return new StepBuilder("exportBatchStep", jobRepository)
                .tasklet(exportBatchTasklet)
                .transactionManager(transactionManager)
                .exceptionHandler(retry.stepExceptionHandler()) // the batch is exported again, unless recorded WRITTEN
                .listener(progress) // wakes the purge once this batch is committed WRITTEN
                .build();
    }

    @Bean
    @StepScope
    ExportBatchTasklet exportBatchTasklet(
            @Value("#{stepExecutionContext['batchId']}") Long batchId,
            Ledger ledger,
            SourceCatalog catalog,
            ParquetArchive archive,
            DataSource dataSource,
            StatisticsStore statistics,
            ArchiverProperties properties) {
        return new ExportBatchTasklet(batchId, ledger, catalog, archive, dataSource, statistics, properties);
    }

    /**
     * {@code purge-threads} purgers side by side, each taking the oldest WRITTEN batch no other purger
     * holds ({@code FOR UPDATE SKIP LOCKED}), so that the deletes keep up with the export.
     */
    @Bean
    Step purgeStep(
            JobRepository jobRepository, Step purgeWorkerStep, ArchiverProperties properties, DataSource dataSource)
            throws SQLException {
        sizePool(dataSource, properties);
        SimpleAsyncTaskExecutor threads = new SimpleAsyncTaskExecutor("purge-");
        threads.setConcurrencyLimit(properties.purgeThreads());
        return new StepBuilder("purgeStep", jobRepository)
                .partitioner("purgeWorkerStep", gridSize -> {
                    Map<String, ExecutionContext> purgers = new LinkedHashMap<>();
                    for (int i = 0; i < gridSize; i++) {
                        purgers.put("purger-" + i, new ExecutionContext());
                    }
                    return purgers;
                })
                .step(purgeWorkerStep)
                .taskExecutor(threads)
                .gridSize(properties.purgeThreads())
                .allowStartIfComplete(true) // a restart exports more batches: purge them too
                .build();
    }

    /**
     * The most connections a launch holds at once: two per export thread (its transaction and its snapshot's
     * stream), two per purger (its claim on a batch and the delete transaction beside it: BatchPurge), the
     * archive lock's session, and one for the short transactions of the job repository and the partition
     * managers. A purger or an export thread that holds one connection and waits for its second would
     * otherwise wait for the pool's timeout.
     */
    static int connectionsNeeded(ArchiverProperties properties) {
        return 2 * properties.exportThreads() + 2 * properties.purgeThreads() + 2;
    }

    /** Raises Hikari's maximum pool size to {@link #connectionsNeeded} when it is configured smaller, and says so. */
    private static void sizePool(DataSource dataSource, ArchiverProperties properties) throws SQLException {
        int needed = connectionsNeeded(properties);
        if (dataSource.isWrapperFor(HikariDataSource.class)) {
            HikariDataSource hikari = dataSource.unwrap(HikariDataSource.class);
            if (hikari.getMaximumPoolSize() < needed) {
                log.info(
                        "spring.datasource.hikari.maximum-pool-size raised from {} to {}: export-threads ({}) and"
                                + " purge-threads ({}) hold up to {} connections at once (two each, the archive lock, the job repository)",
                        hikari.getMaximumPoolSize(),
                        needed,
                        properties.exportThreads(),
                        properties.purgeThreads(),
                        needed);
                hikari.setMaximumPoolSize(needed); // a running pool takes it too
            }
        }
    }

    @Bean
    Step purgeWorkerStep(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            Ledger ledger,
            SourceCatalog catalog,
            BatchFiles batchFiles,
            ParquetArchive archive,
            StatisticsStore statistics,
            JdbcTemplate jdbc,
            Throttle throttle,
            ExportProgress progress,
            ArchiverProperties properties,
            DatabaseRetry retry) {
        return new StepBuilder("purgeWorkerStep", jobRepository)
                .tasklet(new PurgeTasklet(
                        ledger,
                        catalog,
                        batchFiles,
                        archive,
                        statistics,
                        jdbc,
                        transactionManager,
                        throttle,
                        progress,
                        properties))
                .transactionManager(transactionManager)
                // a purge transaction rolled back deleted nothing; its retry takes the runs still 'planned'.
                // Lock timeouts are not retried: the lock is the backend's, on its runs (a stuck session)
                .exceptionHandler(retry.stepExceptionHandler())
                .allowStartIfComplete(true)
                .build();
    }

    @Bean
    Step statsStep(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            StatisticsStore statistics,
            ParquetArchive archive,
            JdbcTemplate jdbc,
            ArchiverProperties properties,
            DatabaseRetry retry) {
        return new StepBuilder("statsStep", jobRepository)
                .tasklet(new StepStatsTasklet(statistics, archive, jdbc, properties))
                .transactionManager(transactionManager)
                // the day files are rewritten whole; its only lock waits are on other shards' day locks
                .exceptionHandler(retry.stepExceptionHandlerWaitingOutLocks())
                .build();
    }

    @Bean
    Step manifestStep(
            JobRepository jobRepository,
            PlatformTransactionManager transactionManager,
            Ledger ledger,
            ParquetArchive archive,
            DataSource dataSource,
            ArchiverProperties properties,
            DatabaseRetry retry) {
        return new StepBuilder("manifestStep", jobRepository)
                .tasklet(new ManifestTasklet(
                        ledger, archive, dataSource, properties.shard().index()))
                .transactionManager(transactionManager)
                .exceptionHandler(retry.stepExceptionHandler()) // the manifest is written again from the ledger
                .build();
    }
}
