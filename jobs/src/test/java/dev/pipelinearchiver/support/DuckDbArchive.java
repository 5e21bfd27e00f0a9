package dev.pipelinearchiver.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.List;

/** Reads the archive the way an analyst does: DuckDB over the Parquet files with Hive partitioning. */
public final class DuckDbArchive {

    private final Path root;

    public DuckDbArchive(Path root) {
        this.root = root;
    }

    /** A DuckDB expression reading every file of a dataset, with {@code dt} from the path. */
    public String dataset(String name) {
        return "read_parquet('" + root.resolve(name) + "/*/*.parquet', hive_partitioning = true)";
    }

    public boolean exists(String name) {
        return Files.isDirectory(root.resolve(name));
    }

    public List<List<Object>> query(String sql) throws SQLException {
        try (Connection con = DriverManager.getConnection("jdbc:duckdb:")) {
            return Rows.query(con, sql);
        }
    }

    /** All rows of a dataset, without the partition column, ordered by the given columns. */
    public List<List<Object>> rows(String name, String orderBy) throws SQLException {
        if (!exists(name)) {
            return List.of();
        }
        return query("SELECT * EXCLUDE (dt) FROM " + dataset(name) + " ORDER BY " + orderBy);
    }
}
