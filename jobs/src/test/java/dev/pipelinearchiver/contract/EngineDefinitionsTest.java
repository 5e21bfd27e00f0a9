package dev.pipelinearchiver.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.contract.TableDefinitions.Engine;
import io.trino.sql.SqlFormatter;
import io.trino.sql.parser.SqlParser;
import io.trino.sql.tree.Call;
import io.trino.sql.tree.ColumnDefinition;
import io.trino.sql.tree.CreateSchema;
import io.trino.sql.tree.CreateTable;
import io.trino.sql.tree.Statement;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalOutputFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark, Athena and Trino definitions: columns typed from the published Avro schemas as the files
 * store them, locations per engine, the Trino statements parsed by Trino's own parser. (Athena's and
 * Spark's DDL is Hive's grammar, which Trino's parser does not take: their text is checked here, their
 * execution is left to the Spark interoperability module.)
 */
class EngineDefinitionsTest {

    private static final ArchiveLocation S3 = ArchiveLocation.parse("s3a://analytics-bucket/archive/");

    @Test
    void trinoDefinitionsParseWithTrinosParserAndTypeEveryColumnAsTheFilesStoreIt() {
        // when
        List<String> statements = TableDefinitions.statements(Engine.TRINO, S3, TableDefinitions.STANDARD_DATASETS);

        // then: every statement is Trino SQL, per Trino's parser
        SqlParser parser = new SqlParser();
        List<Statement> parsed = statements.stream()
                .map(sql -> parser.createStatement(sql.substring(0, sql.length() - 1)))
                .toList();
        assertThat(parsed.get(0)).isInstanceOf(CreateSchema.class);
        assertThat(parsed).hasSize(1 + 2 * TableDefinitions.STANDARD_DATASETS.size());
        CreateTable llmCalls = (CreateTable) parsed.get(5);
        assertThat(llmCalls.getName().toString()).isEqualTo("archive.llm_calls");
        assertThat(columns(llmCalls))
                .containsExactly(
                        Map.entry("id", "integer"),
                        Map.entry("run_id", "integer"),
                        Map.entry("step_id", "integer"),
                        Map.entry("model", "varchar"),
                        Map.entry("prompt_tokens", "integer"),
                        Map.entry("completion_tokens", "integer"),
                        Map.entry("latency_ms", "integer"),
                        Map.entry("cost_usd", "decimal(12,6)"),
                        Map.entry("status", "varchar"),
                        Map.entry("error", "varchar"),
                        Map.entry("request_json", "varchar"),
                        Map.entry("response_json", "varchar"),
                        Map.entry("created_at", "timestamp"),
                        Map.entry("dt", "date"));
        assertThat(llmCalls.getProperties().stream()
                        .map(p -> p.getName().getValue() + " = " + SqlFormatter.formatSql(p.getNonDefaultValue()))
                        .toList())
                .containsExactly(
                        "format = 'PARQUET'",
                        "external_location = 's3://analytics-bucket/archive/llm_calls'",
                        "partitioned_by = ARRAY['dt']");
        Call sync = (Call) parsed.get(6);
        assertThat(sync.getName().toString()).isEqualTo("system.sync_partition_metadata");
        assertThat(sync.getArguments().stream()
                        .map(a -> a.getName().orElseThrow().getValue() + "=" + SqlFormatter.formatSql(a.getValue()))
                        .toList())
                .containsExactly("schema_name='archive'", "table_name='llm_calls'", "mode='FULL'");
        // step_stats' longs and doubles, its list of error patterns (records) and its nullable payload
        assertThat(columns((CreateTable) parsed.get(7)))
                .containsEntry("calls", "bigint")
                .containsEntry("duration_ms_mean", "double")
                .containsEntry("top_errors", "array(row(\"pattern\" varchar,\"count\" bigint,\"example\" varchar))")
                .containsEntry("duration_histogram", "varbinary")
                .containsEntry("dt", "date");
    }

    @Test
    void sparkDefinitionsAreHiveExternalTablesOverS3aAndLocalDirectories(@TempDir Path parent) throws Exception {
        // given: a local root whose path needs escaping in a Hive string literal
        Path dir = Files.createDirectories(parent.resolve("it's"));

        // when
        List<String> s3 = TableDefinitions.statements(Engine.SPARK, S3, List.of("llm_calls"));
        List<String> local = TableDefinitions.statements(
                Engine.SPARK, ArchiveLocation.parse(dir.toString()), List.of("pipeline_runs"));

        // then
        assertThat(s3).hasSize(2);
        assertThat(s3.get(0))
                .startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS `llm_calls` (`id` INT, `run_id` INT, `step_id` INT,"
                        + " `model` STRING,")
                .contains("`cost_usd` DECIMAL(12,6),", "`created_at` TIMESTAMP)")
                .endsWith(") PARTITIONED BY (`dt` DATE) STORED AS PARQUET"
                        + " LOCATION 's3a://analytics-bucket/archive/llm_calls';");
        assertThat(s3.get(1)).isEqualTo("MSCK REPAIR TABLE `llm_calls`;");
        assertThat(dir.toUri().toString()).contains("/it's/");
        assertThat(local.get(0))
                .endsWith("LOCATION '" + dir.toUri().toString().replace("'", "\\'") + "pipeline_runs';");
        assertThat(hiveColumns(s3.get(0))).doesNotContainKey("dt").hasSize(13);
    }

    @Test
    void athenaDefinitionsProjectTheDayPartitionsOverS3Only(@TempDir Path dir) {
        // when
        String statement = TableDefinitions.statements(Engine.ATHENA, S3, List.of("pipeline_steps"))
                .get(0);

        // then: partition projection on dt, located under the s3:// spelling
        assertThat(statement)
                .startsWith("CREATE EXTERNAL TABLE IF NOT EXISTS `pipeline_steps` (")
                .contains(") PARTITIONED BY (`dt` DATE) STORED AS PARQUET"
                        + " LOCATION 's3://analytics-bucket/archive/pipeline_steps/' TBLPROPERTIES (");
        assertThat(properties(statement))
                .containsExactly(
                        Map.entry("projection.enabled", "true"),
                        Map.entry("projection.dt.type", "date"),
                        Map.entry("projection.dt.format", "yyyy-MM-dd"),
                        Map.entry("projection.dt.range", "2000-01-01,NOW"),
                        Map.entry("projection.dt.interval", "1"),
                        Map.entry("projection.dt.interval.unit", "DAYS"),
                        Map.entry(
                                "storage.location.template", "s3://analytics-bucket/archive/pipeline_steps/dt=${dt}"));
        assertThat(hiveColumns(statement)).containsEntry("duration_ms", "INT").containsEntry("input_json", "STRING");
        assertThat(TableDefinitions.statements(Engine.ATHENA, S3, List.of("step_stats"))
                        .get(0))
                .contains("`top_errors` ARRAY<STRUCT<`pattern`:STRING, `count`:BIGINT, `example`:STRING>>,");
        assertThatThrownBy(() -> TableDefinitions.statements(
                        Engine.ATHENA, ArchiveLocation.parse(dir.toString()), List.of("pipeline_steps")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("Athena reads only from S3: give an s3:// archive root");
    }

    @Test
    void aDatasetWithoutPublishedSchemaIsTypedFromItsNewestFile(@TempDir Path dir) throws Exception {
        // given: an archived table beside the standard ones, whose newest day's file has a column more
        Schema older = SchemaBuilder.record("step_artifacts")
                .namespace("pipeline_archiver.avro")
                .fields()
                .requiredLong("id")
                .optionalBytes("content")
                .endRecord();
        Schema newer = SchemaBuilder.record("step_artifacts")
                .namespace("pipeline_archiver.avro")
                .fields()
                .requiredLong("id")
                .optionalBytes("content")
                .name("size_mb")
                .type(org.apache.avro.LogicalTypes.decimal(9, 2).addToSchema(Schema.create(Schema.Type.BYTES)))
                .noDefault()
                .endRecord();
        write(dir.resolve("step_artifacts/dt=2026-09-14/part-b1.parquet"), older);
        write(dir.resolve("step_artifacts/dt=2026-09-15/part-b2.parquet"), newer);
        ArchiveLocation root = ArchiveLocation.parse(dir.toString());

        // when
        String spark = TableDefinitions.statements(Engine.SPARK, root, List.of("step_artifacts"))
                .get(0);
        CreateTable trino = (CreateTable) new SqlParser()
                .createStatement(
                        stripSemicolon(TableDefinitions.statements(Engine.TRINO, root, List.of("step_artifacts"))
                                .get(1)));

        // then
        assertThat(hiveColumns(spark))
                .containsExactly(
                        Map.entry("id", "BIGINT"),
                        Map.entry("content", "BINARY"),
                        Map.entry("size_mb", "DECIMAL(9,2)"));
        assertThat(columns(trino))
                .containsExactly(
                        Map.entry("id", "bigint"),
                        Map.entry("content", "varbinary"),
                        Map.entry("size_mb", "decimal(9,2)"),
                        Map.entry("dt", "date"));
        // an object store's unknown dataset has no columns to read without reading the bucket
        assertThatThrownBy(() -> TableDefinitions.statements(Engine.TRINO, S3, List.of("step_artifacts")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("The dataset step_artifacts has no published schema");
    }

    private static void write(Path file, Schema schema) throws Exception {
        Files.createDirectories(file.getParent());
        try (ParquetWriter<GenericRecord> writer = AvroParquetWriter.<GenericRecord>builder(new LocalOutputFile(file))
                .withSchema(schema)
                .withDataModel(GenericData.get())
                .build()) {
            GenericRecord record = new GenericData.Record(schema);
            record.put("id", 1L);
            if (schema.getField("size_mb") != null) {
                record.put("size_mb", java.nio.ByteBuffer.wrap(new byte[] {1}));
            }
            writer.write(record);
        }
    }

    private static String stripSemicolon(String sql) {
        return sql.substring(0, sql.length() - 1);
    }

    private static Map<String, String> columns(CreateTable table) {
        Map<String, String> columns = new LinkedHashMap<>();
        table.getElements().stream()
                .map(ColumnDefinition.class::cast)
                .forEach(c -> columns.put(
                        c.getName().toString(),
                        SqlFormatter.formatSql(c.getType())
                                .toLowerCase(Locale.ROOT)
                                .replace(", ", ",")));
        return columns;
    }

    /** The column list of a Hive CREATE TABLE: its first parenthesis, split at top-level commas. */
    private static Map<String, String> hiveColumns(String statement) {
        int open = statement.indexOf('(');
        int depth = 0;
        int close = open;
        for (int i = open; i < statement.length(); i++) {
            depth += statement.charAt(i) == '(' ? 1 : statement.charAt(i) == ')' ? -1 : 0;
            if (depth == 0) {
                close = i;
                break;
            }
        }
        Map<String, String> columns = new LinkedHashMap<>();
        Matcher column =
                Pattern.compile("`([^`]+)` ([A-Z]+(?:\\(\\d+,\\d+\\))?)").matcher(statement.substring(open + 1, close));
        while (column.find()) {
            columns.put(column.group(1), column.group(2));
        }
        return columns;
    }

    private static Map<String, String> properties(String statement) {
        Map<String, String> properties = new LinkedHashMap<>();
        Matcher property = Pattern.compile("'([^']+)' = '([^']*)'")
                .matcher(statement.substring(statement.indexOf("TBLPROPERTIES")));
        while (property.find()) {
            properties.put(property.group(1), property.group(2));
        }
        return properties;
    }
}
