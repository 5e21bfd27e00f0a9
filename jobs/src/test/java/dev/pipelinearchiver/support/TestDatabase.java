package dev.pipelinearchiver.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;

/**
 * A throw-away database on the real PostgreSQL that scripts/postgres.sh makes available (PGHOST,
 * PGPORT, PGUSER, PGPASSWORD; defaults 127.0.0.1:5432, postgres).
 */
public final class TestDatabase {

    /** A PostgreSQL server and the role the tests use on it. */
    public record Server(String host, String port, String user, String password) {

        /** The one scripts/postgres.sh makes available (the default). */
        public static Server fromEnvironment() {
            return new Server(TestDatabase.host(), TestDatabase.port(), TestDatabase.user(), TestDatabase.password());
        }
    }

    private final String name;
    private final Server server;

    private TestDatabase(String name, Server server) {
        this.name = name;
        this.server = server;
    }

    public static TestDatabase create(String prefix) {
        return create(prefix, Server.fromEnvironment());
    }

    /** A throw-away database on another server (e.g. a throw-away cluster of a test of its own). */
    public static TestDatabase create(String prefix, Server server) {
        String name = (prefix + "_" + UUID.randomUUID().toString().substring(0, 8)).toLowerCase(Locale.ROOT);
        try (Connection admin = connect(server, "postgres");
                Statement st = admin.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(
                    "Cannot create test database (is PostgreSQL up? run scripts/postgres.sh): " + e.getMessage(), e);
        }
        return new TestDatabase(name, server);
    }

    public String name() {
        return name;
    }

    public String url() {
        return "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + name;
    }

    public Server server() {
        return server;
    }

    public static String host() {
        return env("PGHOST", "127.0.0.1");
    }

    public static String port() {
        return env("PGPORT", "5432");
    }

    public static String user() {
        return env("PGUSER", "postgres");
    }

    public static String password() {
        return env("PGPASSWORD", "");
    }

    public Connection connect() throws SQLException {
        return connect(server, name);
    }

    private static Connection connect(Server server, String database) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", server.user());
        props.setProperty("password", server.password());
        return DriverManager.getConnection(
                "jdbc:postgresql://" + server.host() + ":" + server.port() + "/" + database, props);
    }

    /** Drops and recreates the backend's tables (schema/source/backend.sql) and empties the archiver's. */
    public void resetSource() {
        execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;");
        execute(resource("/source/backend.sql"));
        execute("""
                DO $$ DECLARE tables text;
                BEGIN
                  SELECT string_agg(format('archiver.%I', tablename), ', ') INTO tables
                  FROM pg_tables WHERE schemaname = 'archiver' AND tablename <> 'flyway_schema_history';
                  IF tables IS NOT NULL THEN EXECUTE 'TRUNCATE ' || tables; END IF;
                END $$;""");
    }

    /** A real failure inside the purge: deleting this run raises an error in PostgreSQL (a trigger). */
    /** Makes every delete of these runs fail (a trigger), until {@link #stopFailingDeletes}. */
    public void failDeletingRun(long... runIds) {
        String ids = java.util.Arrays.stream(runIds)
                .mapToObj(Long::toString)
                .collect(java.util.stream.Collectors.joining(","));
        execute("""
                CREATE FUNCTION fail_delete() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF OLD.id IN (%s) THEN RAISE EXCEPTION 'simulated failure deleting run %%', OLD.id; END IF;
                  RETURN OLD;
                END $$;
                CREATE TRIGGER fail_delete BEFORE DELETE ON pipeline_runs FOR EACH ROW EXECUTE FUNCTION fail_delete();
                """.formatted(ids));
    }

    public void stopFailingDeletes() {
        execute("DROP TRIGGER fail_delete ON pipeline_runs; DROP FUNCTION fail_delete();");
    }

    public void execute(String sql) {
        try (Connection con = connect();
                Statement st = con.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public String text(String sql) {
        try (Connection con = connect();
                Statement st = con.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    public long count(String sql) {
        try (Connection con = connect();
                Statement st = con.createStatement();
                var rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }

    static String resource(String path) {
        try (InputStream in = TestDatabase.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String env(String key, String fallback) {
        String value = System.getenv(key);
        return value == null || value.isBlank() ? fallback : value;
    }

    public void drop() {
        try (Connection admin = connect(server, "postgres");
                Statement st = admin.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException(e.getMessage(), e);
        }
    }
}
