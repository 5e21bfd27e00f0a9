package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.contract.ArchiveDatasets;
import dev.pipelinearchiver.contract.ArchiveLocation;
import dev.pipelinearchiver.contract.TableDefinitions;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Mixed into the analysts' commands, which read the archive without the database: where the archive is,
 * and which of its datasets to define.
 */
final class ArchiveRootOption {

    @Option(
            names = "--root",
            paramLabel = "DIR|URI",
            description =
                    "The archive root (default: $ARCHIVER_OUTPUT_ROOT, else ./archive, as the job's archiver.output-root).")
    String root;

    @Option(
            names = "--dataset",
            split = ",",
            paramLabel = "NAME",
            description =
                    "Define only these datasets (default: those under a local root; pipeline_runs, pipeline_steps,"
                            + " llm_calls and step_stats for an object store).")
    List<String> datasets;

    ArchiveLocation location() {
        String given = root != null ? root : System.getenv("ARCHIVER_OUTPUT_ROOT");
        try {
            return ArchiveLocation.parse(given == null || given.isBlank() ? "./archive" : given);
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, e.getMessage());
        }
    }

    /** The datasets to define: those given, else those a local root holds, else the standard ones. */
    List<String> datasets(ArchiveLocation location) {
        if (datasets != null && !datasets.isEmpty()) {
            return List.copyOf(datasets);
        }
        if (!location.isLocal()) {
            return TableDefinitions.STANDARD_DATASETS;
        }
        List<String> found = ArchiveDatasets.discover(location);
        if (found.isEmpty()) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG,
                    "No dataset under " + location + " (no <dataset>/dt=YYYY-MM-DD/*.parquet): is it the archive root?"
                            + " Give it with --root or ARCHIVER_OUTPUT_ROOT.");
        }
        return found;
    }
}
