package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.contract.ArchiveLocation;
import dev.pipelinearchiver.contract.TableDefinitions;
import dev.pipelinearchiver.contract.TableDefinitions.Engine;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code table-definitions}: the archive's datasets as a query engine's views, to paste into it. */
@Command(
        name = "table-definitions",
        mixinStandardHelpOptions = true,
        description = {
            "Prints the statements that define the archive's datasets (pipeline_runs, pipeline_steps, llm_calls, step_stats,"
                    + " and any other archived table) in a query engine, each Hive-partitioned by dt.",
            "duckdb: views reading the files; spark: Spark SQL / Hive external tables (s3a://), then MSCK REPAIR TABLE;"
                    + " athena: external tables with partition projection on dt (s3:// roots only); trino: Hive connector"
                    + " tables in schema archive, then system.sync_partition_metadata.",
            "Columns and types come from the datasets' published Avro schemas (schema/avro/), else from the newest"
                    + " file of a local dataset. Reads only the archive root; needs no database."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver table-definitions --root=/data/archive > views.sql",
            "  duckdb -init views.sql                 (the DuckDB CLI, with every view defined)",
            "  pipeline-archiver table-definitions --root=s3://bucket/archive --dataset=pipeline_steps",
            "  pipeline-archiver table-definitions --root=s3://bucket/archive --engine=athena > athena.sql"
        })
class TableDefinitionsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--engine",
            paramLabel = "ENGINE",
            defaultValue = "duckdb",
            description = "The engine's dialect: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).",
            completionCandidates = Engines.class)
    String engine;

    @Mixin
    ArchiveRootOption archive;

    @Override
    public Integer call() {
        Engine dialect = engine(engine);
        ArchiveLocation location = archive.location();
        try {
            spec.commandLine().getOut().print(TableDefinitions.script(dialect, location, archive.datasets(location)));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, e.getMessage());
        }
        return ArchiverCommand.OK;
    }

    static Engine engine(String name) {
        Engine engine = Engine.byName(name);
        if (engine == null) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG,
                    "Unknown engine '" + name + "'; known: "
                            + Arrays.stream(Engine.values())
                                    .map(Engine::optionName)
                                    .collect(Collectors.joining(", "))
                            + ".");
        }
        return engine;
    }

    /** The engines' option names, for the help. */
    static final class Engines implements Iterable<String> {
        @Override
        public java.util.Iterator<String> iterator() {
            return Arrays.stream(Engine.values()).map(Engine::optionName).iterator();
        }
    }
}
