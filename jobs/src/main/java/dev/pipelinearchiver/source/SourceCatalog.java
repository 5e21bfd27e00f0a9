package dev.pipelinearchiver.source;

import dev.pipelinearchiver.ArchiverProperties;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Reads PostgreSQL's catalog to find what deleting a run destroys: the runs table and, transitively,
 * every table that an {@code ON DELETE CASCADE} foreign key reaches from it. A foreign key that would
 * block or alter the delete (NO ACTION, RESTRICT, SET NULL, SET DEFAULT) is reported, so that the job
 * stops before deleting anything.
 */
@Component
public class SourceCatalog {

    private static final String TABLE_OID = "SELECT to_regclass(quote_ident(?) || '.' || quote_ident(?))::oid";

    private static final String COLUMNS = """
            SELECT a.attname,
                   CASE WHEN t.typtype = 'd' THEN bt.typname ELSE t.typname END AS type_name,
                   CASE WHEN t.typtype = 'd' THEN bt.typcategory ELSE t.typcategory END AS category,
                   a.attnotnull,
                   CASE WHEN t.typtype = 'd' THEN t.typtypmod ELSE a.atttypmod END AS typmod
            FROM pg_attribute a
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_type bt ON bt.oid = t.typbasetype
            WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum""";

    private static final String PRIMARY_KEY = """
            SELECT a.attname
            FROM pg_index i
            JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
            WHERE i.indrelid = ? AND i.indisprimary
            ORDER BY array_position(i.indkey::int2[], a.attnum)""";

    /** Foreign keys referencing a table, with their columns in key order. */
    private static final String REFERENCING_KEYS = """
            SELECT c.conname, n.nspname, cl.relname, c.confdeltype,
                   (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS child_columns,
                   (SELECT array_agg(a.attname ORDER BY k.ord) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord)
                      JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS parent_columns
            FROM pg_constraint c
            JOIN pg_class cl ON cl.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = cl.relnamespace
            WHERE c.contype = 'f' AND c.confrelid = ?
              AND c.conparentid = 0 -- not a partition's copy of its partitioned table's key: the table is read whole
            ORDER BY n.nspname, cl.relname, c.conname""";

    /**
     * One value that changes whenever anything {@link #inspect()} reads changes: the tables a run's delete
     * can reach along foreign keys of any action (their names, schemas and kinds), their columns, primary
     * keys and the foreign keys that reference them. One round trip instead of the ~15 of an inspection.
     */
    private static final String FINGERPRINT = """
            WITH RECURSIVE reached(oid) AS (
                SELECT to_regclass(quote_ident(?) || '.' || quote_ident(?))::oid
                UNION
                SELECT c.conrelid FROM pg_constraint c JOIN reached r ON c.confrelid = r.oid
                WHERE c.contype = 'f' AND c.conparentid = 0
            )
            SELECT md5(concat_ws('|',
                (SELECT string_agg(concat_ws(',', r.oid, n.nspname, cl.relname, cl.relkind), ';' ORDER BY r.oid)
                   FROM reached r LEFT JOIN pg_class cl ON cl.oid = r.oid LEFT JOIN pg_namespace n ON n.oid = cl.relnamespace),
                (SELECT string_agg(concat_ws(',', a.attrelid, a.attnum, a.attname, a.atttypid, a.atttypmod, a.attnotnull, a.attisdropped),
                                   ';' ORDER BY a.attrelid, a.attnum)
                   FROM pg_attribute a WHERE a.attrelid IN (SELECT oid FROM reached) AND a.attnum > 0),
                (SELECT string_agg(concat_ws(',', i.indexrelid, i.indrelid, i.indkey::text), ';' ORDER BY i.indexrelid)
                   FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM reached) AND i.indisprimary),
                (SELECT string_agg(concat_ws(',', k.oid, k.conname, k.conrelid, k.confrelid, k.confdeltype, k.conkey::text, k.confkey::text),
                                   ';' ORDER BY k.oid)
                   FROM pg_constraint k WHERE k.contype = 'f' AND k.conparentid = 0 AND k.confrelid IN (SELECT oid FROM reached))))""";

    private final JdbcTemplate jdbc;
    private final ArchiverProperties.Source settings;
    /** The last inspection, with the catalog's fingerprint before and after it (equal, or it is not kept). */
    private volatile Inspection last;

    private record Inspection(String fingerprint, ArchiveSources sources) {}

    public SourceCatalog(JdbcTemplate jdbc, ArchiverProperties properties) {
        this.jdbc = jdbc;
        this.settings = properties.source();
    }

    /**
     * The tables a run's deletion reaches, runs table first, each after the table it cascades from.
     *
     * @throws SourceSchemaException when the runs table or a configured column is missing, or when a
     *     foreign key would block or alter the delete
     */
    public ArchiveSources inspect() {
        // Called per export batch and per purge transaction, so that a table, column or foreign key added
        // mid-launch is seen before the next delete: the fingerprint says in one query whether the last
        // inspection still holds.
        String before = fingerprint();
        Inspection known = last;
        if (known != null && known.fingerprint().equals(before)) {
            return known.sources();
        }
        ArchiveSources sources = inspectCatalog();
        if (before.equals(fingerprint())) {
            last = new Inspection(before, sources); // the catalog did not change while it was read
        }
        return sources;
    }

    private String fingerprint() {
        return jdbc.queryForObject(FINGERPRINT, String.class, settings.schema(), settings.runsTable());
    }

    private ArchiveSources inspectCatalog() {
        SourceTable runs = table(settings.schema(), settings.runsTable(), List.of());
        for (String column : List.of(settings.idColumn(), settings.finishedAtColumn(), settings.statusColumn())) {
            if (runs.columns().stream().noneMatch(c -> c.name().equals(column))) {
                throw new SourceSchemaException(
                        "The runs table " + runs + " has no column \"" + column + "\" (check archiver.source.*).");
            }
        }
        Map<String, SourceTable> reached = new LinkedHashMap<>();
        Map<String, List<List<CascadeLink>>> otherPaths = new LinkedHashMap<>();
        reached.put(runs.toString(), runs);
        List<String> blockers = new ArrayList<>();
        Deque<SourceTable> queue = new ArrayDeque<>(List.of(runs));
        while (!queue.isEmpty()) {
            SourceTable parent = queue.poll();
            for (ForeignKey key : referencingKeys(parent)) {
                String child = key.schema() + "." + key.table();
                if (key.deleteAction() != 'c') {
                    blockers.add("foreign key " + key.name() + " of " + child + " references " + parent
                            + " with ON DELETE " + actionName(key.deleteAction()));
                } else if (key.childColumns().size() != 1) {
                    blockers.add("foreign key " + key.name() + " of " + child
                            + " has several columns, which the archiver does not follow");
                } else {
                    CascadeLink hop = new CascadeLink(
                            key.name(),
                            key.childColumns().get(0),
                            parent,
                            key.parentColumns().get(0));
                    List<CascadeLink> path = new ArrayList<>();
                    path.add(hop);
                    path.addAll(parent.pathToRuns());
                    if (!reached.containsKey(child)) {
                        SourceTable table = table(key.schema(), key.table(), List.copyOf(path));
                        reached.put(child, table);
                        queue.add(table);
                    } else {
                        // a second way the delete reaches this table (llm_calls: by run_id and by step_id)
                        otherPaths
                                .computeIfAbsent(child, c -> new ArrayList<>())
                                .add(List.copyOf(path));
                    }
                }
            }
        }
        if (!blockers.isEmpty()) {
            throw new SourceSchemaException("Refusing to delete runs: " + String.join("; ", blockers)
                    + ". Rows there would block the delete or be changed without being archived.");
        }
        List<SourceTable> tables = List.copyOf(reached.values());
        long distinctNames = tables.stream().map(SourceTable::name).distinct().count();
        if (distinctNames != tables.size()) {
            throw new SourceSchemaException("Two cascading tables share a name in different schemas: " + tables
                    + "; the archive names datasets by table name.");
        }
        Map<String, List<List<CascadeLink>>> byName = new LinkedHashMap<>();
        otherPaths.forEach(
                (qualified, paths) -> byName.put(reached.get(qualified).name(), List.copyOf(paths)));
        checkArraysAsText(tables);
        return new ArchiveSources(tables, settings, byName);
    }

    /** Each column archiver.source.arrays-as-text lists is an array column of an archived table. */
    private void checkArraysAsText(List<SourceTable> tables) {
        for (String entry : settings.arraysAsText()) {
            String[] parts = entry.split("\\.", 2);
            SourceTable table = tables.stream()
                    .filter(t -> t.name().equals(parts[0]))
                    .findFirst()
                    .orElseThrow(() -> new SourceSchemaException("archiver.source.arrays-as-text lists " + entry
                            + ", but " + parts[0] + " is not an archived table (" + tables + ")."));
            SourceColumn column = table.columns().stream()
                    .filter(c -> c.name().equals(parts[1]))
                    .findFirst()
                    .orElse(null);
            if (column == null || !"A".equals(column.category())) {
                throw new SourceSchemaException("archiver.source.arrays-as-text lists " + entry + ", but " + table
                        + (column == null ? " has no column " + parts[1] : "." + parts[1] + " is not an array")
                        + ".");
            }
        }
    }

    private SourceTable table(String schema, String name, List<CascadeLink> path) {
        Long oid = jdbc.queryForObject(TABLE_OID, Long.class, schema, name);
        if (oid == null) {
            throw new SourceSchemaException(
                    "Table " + schema + "." + name + " does not exist or is not visible to this user.");
        }
        List<SourceColumn> columns = jdbc.query(COLUMNS, SourceCatalog::column, oid);
        List<String> primaryKey = jdbc.queryForList(PRIMARY_KEY, String.class, oid);
        return new SourceTable(schema, name, List.copyOf(columns), List.copyOf(primaryKey), path);
    }

    private static SourceColumn column(ResultSet rs, int row) throws SQLException {
        String type = rs.getString("type_name");
        int typmod = rs.getInt("typmod");
        int precision = -1;
        int scale = -1;
        if ("numeric".equals(type) && typmod >= 4) {
            precision = ((typmod - 4) >> 16) & 0xffff;
            scale = (typmod - 4) & 0xffff;
        }
        return new SourceColumn(
                rs.getString("attname"), type, rs.getString("category"), rs.getBoolean("attnotnull"), precision, scale);
    }

    private List<ForeignKey> referencingKeys(SourceTable parent) {
        Long oid = jdbc.queryForObject(TABLE_OID, Long.class, parent.schema(), parent.name());
        return jdbc.query(
                REFERENCING_KEYS,
                (rs, row) -> new ForeignKey(
                        rs.getString(1),
                        rs.getString(2),
                        rs.getString(3),
                        rs.getString(4).charAt(0),
                        strings(rs.getArray(5)),
                        strings(rs.getArray(6))),
                oid);
    }

    private static List<String> strings(Array array) throws SQLException {
        return Arrays.asList((String[]) array.getArray());
    }

    private static String actionName(char action) {
        return switch (action) {
            case 'a' -> "NO ACTION";
            case 'r' -> "RESTRICT";
            case 'n' -> "SET NULL";
            case 'd' -> "SET DEFAULT";
            default -> "'" + action + "'";
        };
    }

    private record ForeignKey(
            String name,
            String schema,
            String table,
            char deleteAction,
            List<String> childColumns,
            List<String> parentColumns) {}
}
