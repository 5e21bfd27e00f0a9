package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.parquet.AvroMapping;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The fold from a COPY row's bytes gives exactly the figures of the values the archived records hold
 * ({@link StepStatistics#add(Object, Object, Object, Object)} over {@link AvroMapping#value}), for columns read
 * in place (varchar, text, json, integers) and for those that take their record value (uuid, jsonb, real).
 */
class StepRowFolderTest extends ArchiveTestSupport {

    private static final String FACTS = """
            CREATE TABLE step_facts (
                id bigserial PRIMARY KEY,
                step_id integer NOT NULL REFERENCES pipeline_steps (id) ON DELETE CASCADE,
                label varchar(20), state text, ms bigint, err text,
                agent uuid, verdict jsonb, took real, note json, small smallint);
            INSERT INTO step_facts (step_id, label, state, ms, err, agent, verdict, took, note, small)
            SELECT s.id, v.*
            FROM pipeline_steps s CROSS JOIN (VALUES
              ('plan', 'ok', 12::bigint, NULL, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid, '"ok"'::jsonb, 12.7::real,
               NULL::json, 5::smallint),
              ('plan', 'error', 3000::bigint, 'Timeout after 3000 ms (request 9f8e7d6c5b4a)', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid,
               '"error"'::jsonb, -1::real, '{"e": "Timeout after 3000 ms"}'::json, -2::smallint),
              ('ünïcödé', 'skip', -5::bigint, '  ', NULL, NULL, NULL, '"  "'::json, NULL),
              (NULL, NULL, NULL, 'ValidationError: not JSON', '00000000-0000-0000-0000-000000000000'::uuid, '"odd"'::jsonb,
               90000000::real, '"x"'::json, 32767::smallint),
              ('', 'weird', 86400001::bigint, '', 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid, '"ok"'::jsonb, 0.4::real, NULL,
               0::smallint)
            ) AS v(label, state, ms, err, agent, verdict, took, note, small)""";

    @Autowired
    SourceCatalog catalog;

    @Test
    void foldsTheSameFiguresAsTheRecordValuesReadInPlaceOrNot() throws Exception {
        fixture.runs(4, "ok", Instant.parse("2026-05-10T00:00:00Z"), 3_600, 3);
        DB.execute(FACTS);
        assertSameFigures("label", "state", "ms", "err"); // all read in place
        assertSameFigures("agent", "verdict", "took", "note"); // uuid, jsonb, real: record values; json in place
        assertSameFigures("state", "label", "small", "verdict"); // smallint in place, jsonb error
    }

    private void assertSameFigures(String name, String status, String duration, String error) throws Exception {
        ArchiverProperties.Stats settings =
                new ArchiverProperties.Stats(true, "step_facts", name, status, duration, error, 10);
        ArchiveSources sources = catalog.inspect();
        SourceTable table = sources.tables().stream()
                .filter(t -> t.name().equals("step_facts"))
                .findFirst()
                .orElseThrow();
        AvroMapping mapping = AvroMapping.of(table);
        int[] fields = List.of(name, status, duration, error).stream()
                .mapToInt(column -> table.columns().indexOf(table.column(column)))
                .toArray();
        long[] runIds = postgres("SELECT id FROM pipeline_runs").stream()
                .mapToLong(row -> ((Number) row.get(0)).longValue())
                .toArray();
        StepStatistics folded = new StepStatistics(settings);
        StepStatistics expected = new StepStatistics(settings);
        StepRowFolder folder = new StepRowFolder(folded, mapping, fields[0], fields[1], fields[2], fields[3]);
        int rowCount = 0;
        try (Connection con = DB.connect()) {
            con.setAutoCommit(false);
            String copy = sources.copyByRunSql(table, AvroMapping::selectsTextOutput, runIds);
            try (CopyRows rows = CopyRows.start(con, copy, table.columns().size() + 2)) {
                while (rows.next()) {
                    folder.add(rows);
                    expected.add(
                            mapping.value(rows, fields[0]),
                            mapping.value(rows, fields[1]),
                            mapping.value(rows, fields[2]),
                            mapping.value(rows, fields[3]));
                    rowCount++;
                }
            }
            con.commit();
        }
        assertThat(rowCount).isEqualTo(4 * 3 * 5);
        assertThat(describe(folded.byStepName()))
                .isEqualTo(describe(expected.byStepName()))
                .hasSizeGreaterThanOrEqualTo(3); // NULL and "" are one step name, ""
    }

    private static List<String> describe(Map<String, StepFigures> figures) {
        List<String> lines = new ArrayList<>();
        figures.forEach((stepName, f) -> lines.add(stepName + ": "
                + List.of(
                        f.calls(),
                        f.ok(),
                        f.skipped(),
                        f.errors(),
                        f.otherStatus(),
                        f.invalidDurations(),
                        f.durationTotal(),
                        f.durationCount())
                + " " + f.durationMin() + ".." + f.durationMax() + " p50 " + f.durationPercentile(50) + " "
                + f.allErrors()));
        return lines;
    }
}
