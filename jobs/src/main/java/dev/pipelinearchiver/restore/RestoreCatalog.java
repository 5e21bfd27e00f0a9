package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceSchemaException;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/** Reads from the catalog how the archived tables take rows back: columns, casts, sequences, insert order. */
@Component
class RestoreCatalog {

    private final JdbcTemplate jdbc;

    RestoreCatalog(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    RestorePlan plan(ArchiveSources sources) {
        Map<Long, TargetTable> byOid = new HashMap<>();
        List<Long> oids = new ArrayList<>();
        for (SourceTable table : sources.tables()) {
            Long oid = jdbc.queryForObject(RestoreSql.TABLE_OID, Long.class, table.qualifiedName());
            List<TargetTable.Column> columns = jdbc.query(
                    RestoreSql.COLUMNS,
                    (rs, i) -> new TargetTable.Column(
                            rs.getString(1),
                            rs.getString(2),
                            rs.getBoolean(3),
                            rs.getBoolean(4),
                            rs.getString(5),
                            rs.getBoolean(6),
                            rs.getBoolean(7)),
                    table.qualifiedName(),
                    oid);
            byOid.put(oid, new TargetTable(table, List.copyOf(columns)));
            oids.add(oid);
        }
        Map<Long, Set<Long>> parents = foreignKeys(oids);
        return new RestorePlan(sources, insertOrder(oids, byOid, parents));
    }

    private Map<Long, Set<Long>> foreignKeys(List<Long> oids) {
        return jdbc.execute((ConnectionCallback<Map<Long, Set<Long>>>) con -> {
            Map<Long, Set<Long>> parents = new HashMap<>();
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.FOREIGN_KEYS)) {
                ps.setArray(1, bigints(con, oids));
                ps.setArray(2, bigints(con, oids));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        parents.computeIfAbsent(rs.getLong(1), k -> new HashSet<>())
                                .add(rs.getLong(2));
                    }
                }
            }
            return parents;
        });
    }

    /** Each table after all the tables it references; ties keep the cascade's order (runs first). */
    private static List<TargetTable> insertOrder(
            List<Long> oids, Map<Long, TargetTable> byOid, Map<Long, Set<Long>> parents) {
        List<TargetTable> order = new ArrayList<>();
        Set<Long> placed = new HashSet<>();
        while (placed.size() < oids.size()) {
            Long next = oids.stream()
                    .filter(oid -> !placed.contains(oid) && placed.containsAll(parents.getOrDefault(oid, Set.of())))
                    .findFirst()
                    .orElse(null);
            if (next == null) {
                List<String> cycle = oids.stream()
                        .filter(oid -> !placed.contains(oid))
                        .map(oid -> byOid.get(oid).source().toString())
                        .toList();
                throw new SourceSchemaException("Cannot restore: the foreign keys between " + cycle
                        + " form a cycle, so no insert order satisfies them.");
            }
            placed.add(next);
            order.add(byOid.get(next));
        }
        return List.copyOf(order);
    }

    private static java.sql.Array bigints(Connection con, List<Long> values) throws java.sql.SQLException {
        return con.createArrayOf("int8", values.toArray());
    }
}
