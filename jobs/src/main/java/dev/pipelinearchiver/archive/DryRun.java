package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceCatalog;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.ResultSet;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.namedparam.NamedParameterJdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What a launch would archive, per day and table, read-only: the eligible runs (finished before the
 * cutoff, this shard) and every row their deletion would reach, with the rows' size in PostgreSQL.
 * Runs held by an unfinished earlier launch are counted too: the next launch finishes them.
 */
@Component
public class DryRun {

    /** Rows per table (runs table first) and bytes in PostgreSQL, for one day. */
    public record Day(LocalDate dt, Map<String, Long> rows, long bytes) {}

    public record Report(List<String> tables, List<Day> days) {

        public long total(String table) {
            return days.stream()
                    .mapToLong(d -> d.rows().getOrDefault(table, 0L))
                    .sum();
        }

        public long totalBytes() {
            return days.stream().mapToLong(Day::bytes).sum();
        }
    }

    private final NamedParameterJdbcTemplate named;
    private final SourceCatalog catalog;
    private final ArchiverProperties properties;

    DryRun(JdbcTemplate jdbc, SourceCatalog catalog, ArchiverProperties properties) {
        this.named = new NamedParameterJdbcTemplate(jdbc);
        this.catalog = catalog;
        this.properties = properties;
    }

    public Report report(Instant cutoff) {
        ArchiveSources sources = catalog.inspect();
        Map<LocalDate, Map<String, Long>> rows = new TreeMap<>();
        Map<LocalDate, Long> bytes = new TreeMap<>();
        for (SourceTable table : sources.tables()) {
            named.query(
                    ArchiveSql.dryRun(sources, table),
                    ArchiveSql.eligibleRunsParameters(
                            sources,
                            cutoff,
                            properties.shard().count(),
                            properties.shard().index()),
                    (ResultSet rs) -> {
                        LocalDate dt = rs.getObject(1, LocalDate.class);
                        rows.computeIfAbsent(dt, x -> new LinkedHashMap<>()).put(table.name(), rs.getLong(2));
                        bytes.merge(dt, rs.getLong(3), Long::sum);
                    });
        }
        List<Day> days = new ArrayList<>();
        rows.forEach((dt, perTable) -> days.add(new Day(dt, perTable, bytes.getOrDefault(dt, 0L))));
        return new Report(sources.tableNames(), days);
    }
}
