package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.source.ArchiveSources;
import dev.pipelinearchiver.source.SourceSchemaException;
import dev.pipelinearchiver.source.SourceTable;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Checks, before anything is written, that the database role has every privilege the job uses on the
 * backend's tables (config/least-privilege.sql), so that a missing grant is reported as configuration
 * in one sentence instead of failing half-way through a launch.
 */
final class SourcePrivileges {

    private final JdbcTemplate jdbc;

    SourcePrivileges(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Without USAGE on the schema its tables cannot even be looked up; checked before reading the catalog
     * (which reports a missing schema).
     */
    void checkSchemaUsage(String schema) {
        if (jdbc.queryForList(ArchiveSql.SCHEMA_USAGE, Boolean.class, schema).contains(Boolean.FALSE)) {
            throw missing(List.of("USAGE on schema " + schema));
        }
    }

    void checkTables(ArchiveSources sources) {
        List<String> missing = new ArrayList<>();
        for (SourceTable table : sources.tables()) {
            if (!has(ArchiveSql.TABLE_PRIVILEGE, table, "SELECT")) {
                missing.add("SELECT on " + table);
            }
        }
        SourceTable runs = sources.runs();
        if (!has(ArchiveSql.TABLE_PRIVILEGE, runs, "DELETE")) {
            missing.add("DELETE on " + runs);
        }
        if (!Boolean.TRUE.equals(
                jdbc.queryForObject(ArchiveSql.ANY_COLUMN_UPDATE, Boolean.class, runs.schema(), runs.name()))) {
            missing.add("UPDATE on a column of " + runs + " (the purge locks runs with SELECT ... FOR UPDATE)");
        }
        if (!missing.isEmpty()) {
            throw missing(missing);
        }
    }

    /**
     * The archived tables the role may not delete from itself. The purge then deletes through the runs
     * table's cascade (which runs with the tables' owner's rights), counting each run's rows first.
     */
    List<String> tablesWithoutDelete(ArchiveSources sources) {
        String[] tables =
                sources.tables().stream().map(SourceTable::qualifiedName).toArray(String[]::new);
        return jdbc.execute((ConnectionCallback<List<String>>) con -> {
            try (PreparedStatement ps = con.prepareStatement(ArchiveSql.TABLES_WITHOUT_DELETE)) {
                ps.setArray(1, con.createArrayOf("text", tables));
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return List.of((String[]) rs.getArray(1).getArray());
                }
            }
        });
    }

    private boolean has(String sql, SourceTable table, String privilege) {
        return Boolean.TRUE.equals(jdbc.queryForObject(sql, Boolean.class, table.schema(), table.name(), privilege));
    }

    private SourceSchemaException missing(List<String> privileges) {
        String role = jdbc.queryForObject(ArchiveSql.CURRENT_USER, String.class);
        return new SourceSchemaException("The database role " + role + " lacks " + String.join(", ", privileges)
                + " (see config/least-privilege.sql); nothing was archived or deleted.");
    }
}
