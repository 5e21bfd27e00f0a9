package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.contract.ArchiveLocation;
import dev.pipelinearchiver.contract.TableDefinitions;
import dev.pipelinearchiver.contract.TableDefinitions.Engine;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code query}: SQL over a local archive in an embedded DuckDB, with the datasets already defined as views.
 * DuckDB's JDBC driver weighs ~80 MB, so the job's jar does not carry it: {@code scripts/query.sh} fetches it
 * through Maven and names it with {@code --duckdb-jar}.
 */
@Command(
        name = "query",
        mixinStandardHelpOptions = true,
        description = {
            "Runs SQL over a local archive in an embedded DuckDB, with views pipeline_runs, pipeline_steps, llm_calls and"
                    + " step_stats (and any other archived table) defined over the root as 'table-definitions' prints them.",
            "Statements come from the arguments (one each), else from standard input (each ending with ';' at the end of a"
                    + " line). Reads only the archive; needs no database. Exit 0, or 2 with one line when a statement fails."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  scripts/query.sh \"SELECT step_name, count(*) AS steps FROM pipeline_steps GROUP BY ALL ORDER BY steps DESC\"",
            "  scripts/query.sh --root=/data/archive --format=csv \"SELECT * FROM llm_calls WHERE dt = DATE '2026-09-14'\" > calls.csv",
            "  scripts/query.sh < report.sql",
            "  java -jar pipeline-archiver.jar query --duckdb-jar=duckdb_jdbc-2.0.0.1.jar \"SELECT count(*) FROM pipeline_runs\""
        })
class QueryCommand implements Callable<Integer> {

    static final String DUCKDB_DRIVER = "org.duckdb.DuckDBDriver";

    @Spec
    CommandSpec spec;

    @Mixin
    ArchiveRootOption archive;

    @Option(
            names = "--duckdb-jar",
            paramLabel = "JAR",
            description = "DuckDB's JDBC driver (org.duckdb:duckdb_jdbc), when this jar does not carry it (default:"
                    + " $PIPELINE_ARCHIVER_DUCKDB_JAR).")
    Path duckDbJar;

    @Option(
            names = "--format",
            paramLabel = "FORMAT",
            defaultValue = "table",
            description =
                    "table (aligned, long values shortened) or csv (every value whole); default: ${DEFAULT-VALUE}.")
    String format;

    @Option(
            names = "--max-rows",
            paramLabel = "N",
            defaultValue = "1000",
            description = "Rows printed per statement in the table format (default: ${DEFAULT-VALUE}).")
    int maxRows;

    @Parameters(paramLabel = "SQL", arity = "0..*", description = "Statements to run, one per argument.")
    List<String> sql;

    @Override
    public Integer call() throws Exception {
        if (!format.equals("table") && !format.equals("csv")) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG, "--format must be table or csv, not '" + format + "'.");
        }
        if (maxRows < 1) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "--max-rows must be at least 1.");
        }
        ArchiveLocation location = archive.location();
        if (!location.isLocal()) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG,
                    "query reads a local archive root only (DuckDB's httpfs extension cannot be installed offline);"
                            + " for " + location
                            + ", run the views of 'table-definitions' in a DuckDB that has httpfs.");
        }
        List<String> views = TableDefinitions.statements(Engine.DUCKDB, location, archive.datasets(location));
        List<String> statements = sql == null || sql.isEmpty() ? statementsFromStdin() : sql;
        PrintWriter out = spec.commandLine().getOut();
        try (Connection connection = driver().connect("jdbc:duckdb:", new Properties());
                Statement statement = connection.createStatement()) {
            for (String view : views) {
                statement.execute(view);
            }
            boolean first = true;
            for (String query : statements) {
                if (query.isBlank()) {
                    continue;
                }
                if (!first) {
                    out.println();
                }
                first = false;
                try {
                    if (statement.execute(query)) {
                        try (ResultSet rs = statement.getResultSet()) {
                            if (format.equals("csv")) {
                                QueryResults.printCsv(rs, out);
                            } else {
                                QueryResults.printTable(rs, out, maxRows);
                            }
                        }
                    }
                } catch (SQLException e) {
                    out.flush();
                    throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "DuckDB: " + oneLine(e.getMessage()));
                }
                out.flush();
            }
        } catch (SQLException e) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG,
                    "DuckDB cannot read the archive at " + location + ": " + oneLine(e.getMessage()));
        }
        return ArchiverCommand.OK;
    }

    /** DuckDB's driver: on the class path (the tests), else from {@code --duckdb-jar}. */
    private Driver driver() throws Exception {
        ClassLoader loader = getClass().getClassLoader();
        Path jar = duckDbJar;
        if (jar == null && System.getenv("PIPELINE_ARCHIVER_DUCKDB_JAR") != null) {
            jar = Path.of(System.getenv("PIPELINE_ARCHIVER_DUCKDB_JAR"));
        }
        if (jar != null) {
            if (!Files.isRegularFile(jar)) {
                throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "The DuckDB driver " + jar + " does not exist.");
            }
            // never closed: DuckDB loads its native library from it, for the life of the process
            loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, loader);
        }
        try {
            return (Driver) Class.forName(DUCKDB_DRIVER, true, loader)
                    .getDeclaredConstructor()
                    .newInstance();
        } catch (ClassNotFoundException e) {
            throw new CommandFailure(
                    ArchiverCommand.BAD_CONFIG,
                    (jar == null
                                    ? "This jar does not carry DuckDB's JDBC driver (80 MB)"
                                    : jar + " is not DuckDB's JDBC driver")
                            + ": run scripts/query.sh, which fetches org.duckdb:duckdb_jdbc through Maven, or give --duckdb-jar.");
        }
    }

    private List<String> statementsFromStdin() throws IOException {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            current.append(line).append('\n');
            if (line.stripTrailing().endsWith(";")) {
                statements.add(current.toString());
                current.setLength(0);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString());
        }
        if (statements.isEmpty()) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "No SQL given (as arguments, or on standard input).");
        }
        return statements;
    }

    private static String oneLine(String message) {
        return message == null
                ? "(no message)"
                : message.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
