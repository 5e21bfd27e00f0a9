package dev.pipelinearchiver.support;

import dev.pipelinearchiver.cli.ArchiverCommand;
import dev.pipelinearchiver.support.ArchiverProcess.Outcome;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs the command line in this JVM against a test database: each command starts and closes its own
 * application context, as the jar does, but without a JVM start (seconds saved per command).
 */
public final class ArchiverCommands {

    private final TestDatabase db;
    private final Path root;

    public ArchiverCommands(TestDatabase db, Path root) {
        this.db = db;
        this.root = root;
    }

    public Outcome run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.add("--spring.datasource.url=" + db.url());
        all.add("--spring.datasource.username=" + TestDatabase.user());
        all.add("--spring.datasource.password=" + TestDatabase.password());
        all.add("--archiver.output-root=" + root);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ArchiverCommand.execute(
                new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        return new Outcome(code, out.toString(), err.toString());
    }

    /** The last non-blank line: the one a failing command prints to say why. */
    public static String lastLine(String text) {
        String[] lines = text.strip().split("\\R");
        return lines[lines.length - 1];
    }
}
