package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.stats.StepStatsTasklet;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The published Avro schemas in {@code schema/avro/} are the analysts' contract: this test fails when
 * the mapping of the backend's standard tables changes. After an intended change, regenerate them
 * with {@code scripts/test.sh -Dtest=AvroSchemaContractTest -Dupdate.avro=true}.
 */
class AvroSchemaContractTest extends ArchiveTestSupport {

    private static final Path PUBLISHED = Path.of("..", "schema", "avro");

    @Autowired
    SourceCatalog catalog;

    @Test
    void theStandardTablesMapToThePublishedSchemas() throws Exception {
        ArchiveSources sources = catalog.inspect();
        assertThat(sources.tableNames()).containsExactlyInAnyOrder("pipeline_runs", "pipeline_steps", "llm_calls");
        for (SourceTable table : sources.tables()) {
            String generated = AvroMapping.of(table).schema().toString(true) + "\n";
            Path file = PUBLISHED.resolve(table.name() + ".avsc");
            if (Boolean.getBoolean("update.avro")) {
                Files.writeString(file, generated);
            }
            assertThat(file).as("published schema of " + table.name()).exists();
            assertThat(new Schema.Parser().parse(file.toFile())).isEqualTo(new Schema.Parser().parse(generated));
        }
    }

    @Test
    void theStepStatsDatasetMapsToThePublishedSchema() throws Exception {
        Path file = PUBLISHED.resolve("step_stats.avsc");
        if (Boolean.getBoolean("update.avro")) {
            Files.writeString(file, StepStatsTasklet.SCHEMA.toString(true) + "\n");
        }
        assertThat(new Schema.Parser().parse(file.toFile())).isEqualTo(StepStatsTasklet.SCHEMA);
    }
}
