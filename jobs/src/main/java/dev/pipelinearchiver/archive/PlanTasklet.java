package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.ledger.BatchState;
import dev.pipelinearchiver.parquet.ParquetArchive;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.batch.core.scope.context.ChunkContext;
import org.springframework.batch.core.step.StepContribution;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.batch.core.step.tasklet.Tasklet;
import org.springframework.batch.infrastructure.repeat.RepeatStatus;

/**
 * Checks the backend's schema (a blocking foreign key stops the job here, before any deletion) and
 * freezes the eligible runs into batches in the ledger, in the same transaction as the step's commit.
 * Batches left open by an earlier failed launch stay in the ledger and are finished by this one.
 */
class PlanTasklet implements Tasklet {

    private static final Logger log = LoggerFactory.getLogger(PlanTasklet.class);

    private final Ledger ledger;
    private final SourceCatalog catalog;
    private final ParquetArchive archive;
    private final ArchiverProperties properties;

    PlanTasklet(Ledger ledger, SourceCatalog catalog, ParquetArchive archive, ArchiverProperties properties) {
        this.ledger = ledger;
        this.catalog = catalog;
        this.archive = archive;
        this.properties = properties;
    }

    @Override
    public RepeatStatus execute(StepContribution contribution, ChunkContext chunkContext) {
        StepExecution step = chunkContext.getStepContext().getStepExecution();
        archive.warmUpInBackground(); // uses the core the plan's query leaves idle
        Instant cutoff = Instant.parse(step.getJobParameters().getString(ArchiveJobConfiguration.CUTOFF));
        ArchiveSources sources = catalog.inspect();
        int shard = properties.shard().index();
        int planned = ledger.plan(
                sources,
                step.getJobExecution().getJobInstance().getInstanceId(),
                shard,
                properties.shard().count(),
                properties.batchSize(),
                cutoff);
        contribution.incrementWriteCount(planned);
        int openBatches = ledger.batches(shard, BatchState.PLANNED).size();
        log.info(
                "planned {} runs finished before {} (shard {}/{}); {} batches to export; archiving tables {}",
                planned,
                cutoff,
                shard,
                properties.shard().count(),
                openBatches,
                sources.tableNames());
        return RepeatStatus.FINISHED;
    }
}
