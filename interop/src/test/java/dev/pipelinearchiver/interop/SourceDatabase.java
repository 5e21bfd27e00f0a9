package dev.pipelinearchiver.interop;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;

/**
 * A throw-away database on the real PostgreSQL that scripts/postgres.sh makes available (PGHOST, PGPORT,
 * PGUSER, PGPASSWORD; defaults 127.0.0.1:5432, postgres), with the backend's tables (schema/source/backend.sql).
 */
final class SourceDatabase implements AutoCloseable {

    final String name = "archiver_interop_" + UUID.randomUUID().toString().substring(0, 8);

    SourceDatabase() throws SQLException, IOException {
        try (Connection admin = connect("postgres");
                Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        }
        execute(Files.readString(Path.of(System.getProperty("archiver.backend-ddl"))));
    }

    static String env(String key, String fallback) {
        String value = System.getenv(key);
        return value == null || value.isBlank() ? fallback : value;
    }

    String url() {
        return "jdbc:postgresql://" + env("PGHOST", "127.0.0.1") + ":" + env("PGPORT", "5432") + "/" + name;
    }

    /** The environment the packaged job reads its database and archive root from. */
    Map<String, String> jobEnvironment(Path root) {
        return Map.of(
                "SPRING_DATASOURCE_URL", url(),
                "SPRING_DATASOURCE_USERNAME", env("PGUSER", "postgres"),
                "SPRING_DATASOURCE_PASSWORD", env("PGPASSWORD", ""),
                "ARCHIVER_OUTPUT_ROOT", root.toString());
    }

    private static Connection connect(String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", env("PGUSER", "postgres"));
        props.setProperty("password", env("PGPASSWORD", ""));
        return DriverManager.getConnection(
                "jdbc:postgresql://" + env("PGHOST", "127.0.0.1") + ":" + env("PGPORT", "5432") + "/" + database,
                props);
    }

    void execute(String sql) throws SQLException {
        try (Connection con = connect(name);
                Statement st = con.createStatement()) {
            st.execute(sql);
        }
    }

    /** Rows of a query, each a map from column name to its {@link Values#canonical} value, in query order. */
    List<Map<String, Object>> rows(String sql) throws SQLException {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (Connection con = connect(name);
                Statement st = con.createStatement()) {
            st.execute("SET TIME ZONE 'UTC'");
            try (ResultSet rs = st.executeQuery(sql)) {
                ResultSetMetaData meta = rs.getMetaData();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= meta.getColumnCount(); i++) {
                        row.put(meta.getColumnLabel(i), value(rs, i, meta.getColumnTypeName(i)));
                    }
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** A column's value in java.time where the JDBC default (java.sql.Date) would shift old dates. */
    private static Object value(ResultSet rs, int i, String type) throws SQLException {
        Object value = switch (type.toLowerCase(Locale.ROOT)) {
            case "date" -> rs.getObject(i, LocalDate.class);
            case "timestamp" -> rs.getObject(i, LocalDateTime.class);
            case "timestamptz" -> rs.getObject(i, OffsetDateTime.class);
            default ->
                type.startsWith("_") || type.equals("interval") || type.equals("bpchar")
                        ? rs.getString(i)
                        : rs.getObject(i);
        };
        if (value instanceof org.postgresql.util.PGobject o) {
            return o.getValue();
        }
        return Values.canonical(value);
    }

    long count(String sql) throws SQLException {
        try (Connection con = connect(name);
                Statement st = con.createStatement();
                ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        try (Connection admin = connect("postgres");
                Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
