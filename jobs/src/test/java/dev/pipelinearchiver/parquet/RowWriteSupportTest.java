package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import org.apache.avro.generic.GenericData;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The export writes rows straight from the driver ({@link RowWriteSupport}); analysts, restore and verify
 * read the files as parquet-avro wrote them before. This holds the two to the same bytes: the same rows
 * written both ways, over every column type the mapping knows, NULLs and odd text included, with the
 * driver's text and binary wire formats.
 */
class RowWriteSupportTest extends ArchiveTestSupport {

    @Autowired
    SourceCatalog catalog;

    @Autowired
    ParquetArchive parquet;

    @Test
    void writesTheSameFileAsParquetAvroFromTheSameRows() throws Exception {
        // given: runs, steps with odd payloads, calls, and a cascading table with every column type
        DB.execute("""
                CREATE TYPE mood AS ENUM ('calm', 'nervous');
                CREATE TABLE step_artifacts (
                    id bigserial PRIMARY KEY,
                    step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                    kind smallint, size_bytes bigint, score real, weight double precision,
                    price numeric(10,3), ratio numeric, ok boolean, produced_on date,
                    produced_local timestamp, produced_at timestamptz, ref uuid, blob bytea, meta jsonb, doc json,
                    tags text[], feeling mood, took interval, code char(5), note text);
                """);
        fixture.runs(4, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 3);
        DB.execute("""
                UPDATE pipeline_steps SET input_json = 'not json {', output_json = NULL, error = 'Ünïcödé ✓ 🚀 ' || repeat('x', 5000)
                WHERE seq = 2;
                INSERT INTO step_artifacts (step_id, kind, size_bytes, score, weight, price, ratio, ok, produced_on,
                    produced_local, produced_at, ref, blob, meta, doc, tags, feeling, took, code, note)
                SELECT s.id, -32768, 9223372036854775807, 1.5, 2.718281828459045, -1234567.891, 1.50, true, '1999-12-31',
                       '2026-05-10 12:34:56.789012', '2026-05-10T12:34:56.789012+02:00', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
                       '\\x00ff10', '{"k": [1, {"n": null}]}', '{"keep":  "spacing"}', ARRAY['a', 'b c', NULL], 'nervous',
                       '1 day 02:03:04', 'ab', E'tab\\there\\nnewline \\u00e9'
                FROM pipeline_steps s WHERE s.seq = 1;
                INSERT INTO step_artifacts (step_id) SELECT id FROM pipeline_steps WHERE seq = 2;
                """);
        ArchiveSources sources = catalog.inspect();
        assertThat(sources.tableNames()).contains("pipeline_steps", "llm_calls", "step_artifacts");
        Long[] runIds = postgres("SELECT id FROM pipeline_runs").stream().map(row -> ((Number) row.get(0)).longValue()).toArray(Long[]::new);

        for (SourceTable table : sources.tables()) {
            for (int prepareThreshold : new int[] {0, -1}) { // 0: text wire format; -1: server-prepared, binary where the driver can
                // when: the same rows written from the driver, and as the Avro records the mapping gives
                AvroMapping mapping = AvroMapping.of(table);
                String label = table.name() + " (prepareThreshold " + prepareThreshold + ")";
                Path fromRows = parquet.file("rows", LocalDate.EPOCH, table.name() + prepareThreshold + ".parquet");
                Path fromRecords = parquet.file("records", LocalDate.EPOCH, table.name() + prepareThreshold + ".parquet");
                long rows = 0;
                try (Connection con = DB.connect()) {
                    con.setAutoCommit(false);
                    try (var staged = parquet.stage(fromRows, mapping)) {
                        rows = forEachRow(con, sources, table, runIds, prepareThreshold, staged::write);
                        assertThat(staged.commit().rows()).as(label).isEqualTo(rows);
                    }
                    try (var staged = parquet.stage(fromRecords, mapping.schema())) {
                        forEachRow(con, sources, table, runIds, prepareThreshold, rs -> {
                            GenericData.Record record = new GenericData.Record(mapping.schema());
                            for (int i = 0; i < mapping.schema().getFields().size(); i++) {
                                record.put(i, mapping.value(rs, i + 1));
                            }
                            staged.write(record);
                        });
                        staged.commit();
                    }
                }

                // then: byte for byte the same file
                assertThat(rows).as(label).isPositive();
                assertThat(Files.readAllBytes(Paths.get(fromRows.toUri()))).as(label)
                        .isEqualTo(Files.readAllBytes(Paths.get(fromRecords.toUri())));
            }
        }
    }

    private interface RowConsumer {
        void accept(ResultSet rs) throws Exception;
    }

    private static long forEachRow(Connection con, ArchiveSources sources, SourceTable table, Long[] runIds, int prepareThreshold,
            RowConsumer consumer) throws Exception {
        long rows = 0;
        try (PreparedStatement ps = con.prepareStatement(sources.selectByRunSql(table))) {
            ps.unwrap(PGStatement.class).setPrepareThreshold(prepareThreshold);
            ps.setFetchSize(3); // several round trips of the cursor
            ps.setArray(1, con.createArrayOf("int8", runIds));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    consumer.accept(rs);
                    rows++;
                }
            }
        }
        return rows;
    }
}
