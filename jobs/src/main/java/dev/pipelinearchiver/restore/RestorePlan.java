package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.source.ArchiveSources;
import java.util.List;

/**
 * The archived tables in the order rows go back: every table after the tables its foreign keys
 * reference (not the cascade's discovery order: {@code llm_calls} is reached from the runs before
 * {@code pipeline_steps}, yet references it).
 */
record RestorePlan(ArchiveSources sources, List<TargetTable> insertOrder) {}
