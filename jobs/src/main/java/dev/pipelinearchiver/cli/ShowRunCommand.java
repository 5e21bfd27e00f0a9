package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.lookup.ArchivedRuns;
import dev.pipelinearchiver.lookup.ArchivedRuns.Copy;
import dev.pipelinearchiver.lookup.ArchivedRuns.Lookup;
import dev.pipelinearchiver.lookup.ArchivedRuns.TableRows;
import dev.pipelinearchiver.parquet.AvroMapping;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code show-run}: one archived run, its steps and LLM calls, read from the archive's files. */
@Command(
        name = "show-run",
        mixinStandardHelpOptions = true,
        description = {
            "Prints one archived run: the run, then the rows of every table archived with it (its steps, in order, and its LLM"
                    + " calls), read from the Parquet files the ledger records for it. Long values (the JSON payloads, long"
                    + " errors) are shortened to one line unless --full is given.",
            "Reads only. Exit 0 when the archive holds the run, 1 when it does not (the last line says where the run is),"
                    + " 4 when a file the ledger records cannot be read."
        },
        footerHeading = "%nExamples:%n",
        footer = {
            "  pipeline-archiver show-run 123456",
            "  pipeline-archiver show-run 123456 --full > run-123456.txt",
            "  SQL over the whole archive: scripts/query.sh (DuckDB), or the views of 'pipeline-archiver table-definitions'"
        })
class ShowRunCommand implements Callable<Integer> {

    /** A value longer than this, or with a line break, is printed on a line of its own under its row. */
    private static final int IN_TABLE = 32;

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "RUN_ID", description = "The id of the run (the runs table's id).")
    long runId;

    @Option(names = "--full", description = "Print long values whole, line breaks included, instead of shortened.")
    boolean full;

    @Option(
            names = "--max-chars",
            paramLabel = "N",
            defaultValue = "120",
            description =
                    "Shorten long values to this many characters (default: ${DEFAULT-VALUE}; ignored with --full).")
    int maxChars;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        if (maxChars < 10) {
            throw new CommandFailure(ArchiverCommand.BAD_CONFIG, "--max-chars must be at least 10.");
        }
        try (ConfigurableApplicationContext context = spring.start()) {
            Lookup lookup;
            try {
                lookup = context.getBean(ArchivedRuns.class).find(runId);
            } catch (ArchivedRuns.UnreadableFile e) {
                throw new CommandFailure(ArchiverCommand.DIFFERENCE, e.getMessage());
            }
            if (lookup.copies().isEmpty()) {
                throw new CommandFailure(ArchiverCommand.JOB_FAILED, notArchived(lookup));
            }
            PrintWriter out = spec.commandLine().getOut();
            for (Copy copy : lookup.copies()) {
                print(copy, out);
            }
            if (lookup.copies().size() > 1) {
                out.println(
                        "note: run " + runId + " is archived " + lookup.copies().size()
                                + " times (put back by hand and archived again?); compare the copies above.");
            }
            if (lookup.inPostgres()) {
                out.println("note: run " + runId
                        + " is also in PostgreSQL (restored with --skip-existing, or its id reused).");
            }
            return ArchiverCommand.OK;
        }
    }

    private String notArchived(Lookup lookup) {
        String elsewhere =
                lookup.otherStates().isEmpty() ? "" : "; the ledger has it " + String.join(", ", lookup.otherStates());
        return lookup.inPostgres()
                ? "Run " + runId + " is not in the archive: it is still in PostgreSQL" + elsewhere + "."
                : "Run " + runId + " is neither in the archive nor in PostgreSQL" + elsewhere + ".";
    }

    private void print(Copy copy, PrintWriter out) {
        out.println("run " + runId + ", archived in batch " + copy.batchId() + ", dt=" + copy.dt());
        for (TableRows table : copy.tables()) {
            out.println();
            if (table.rows().isEmpty()) {
                out.println(table.table() + ": no rows   (" + table.file() + ")");
                continue;
            }
            out.println(table.table() + ": " + table.rows().size()
                    + (table.rows().size() == 1 ? " row" : " rows") + "   (" + table.file() + ")");
            if (table.rows().size() == 1) {
                printVertically(table, out);
            } else {
                printAsTable(table, out);
            }
        }
        for (String missing : copy.missingFiles()) {
            out.println();
            out.println(missing + ": no file of batch " + copy.batchId()
                    + " in the ledger (archived before the table existed?)");
        }
        out.println();
    }

    /** One row: a column a line. */
    private void printVertically(TableRows table, PrintWriter out) {
        List<Schema.Field> fields = table.schema().getFields();
        int width = fields.stream().mapToInt(f -> column(f).length()).max().orElse(0);
        GenericRecord row = table.rows().get(0);
        for (Schema.Field field : fields) {
            out.println("  " + pad(column(field), width) + "  " + value(field, row, true));
        }
    }

    /** Several rows: the short columns side by side, each long value on a line of its own under its row. */
    private void printAsTable(TableRows table, PrintWriter out) {
        List<Schema.Field> fields = table.schema().getFields();
        List<Schema.Field> inTable = new ArrayList<>();
        List<Schema.Field> below = new ArrayList<>();
        for (Schema.Field field : fields) {
            boolean fits = table.rows().stream().allMatch(row -> {
                String text = AvroText.of(field.schema(), row.get(field.pos()));
                return text.length() <= IN_TABLE && !text.contains("\n") && !text.contains("\r");
            });
            (fits ? inTable : below).add(field);
        }
        int[] widths = new int[inTable.size()];
        for (int c = 0; c < inTable.size(); c++) {
            Schema.Field field = inTable.get(c);
            widths[c] = column(field).length();
            for (GenericRecord row : table.rows()) {
                widths[c] = Math.max(
                        widths[c],
                        AvroText.of(field.schema(), row.get(field.pos())).length());
            }
        }
        int belowWidth = below.stream().mapToInt(f -> column(f).length()).max().orElse(0);
        StringBuilder header = new StringBuilder(" ");
        for (int c = 0; c < inTable.size(); c++) {
            header.append(' ').append(align(column(inTable.get(c)), widths[c], numeric(inTable.get(c))));
        }
        out.println(header.toString().stripTrailing());
        for (GenericRecord row : table.rows()) {
            StringBuilder line = new StringBuilder(" ");
            for (int c = 0; c < inTable.size(); c++) {
                Schema.Field field = inTable.get(c);
                line.append(' ')
                        .append(align(AvroText.of(field.schema(), row.get(field.pos())), widths[c], numeric(field)));
            }
            out.println(line.toString().stripTrailing());
            for (Schema.Field field : below) {
                if (row.get(field.pos()) != null) {
                    out.println("      " + pad(column(field), belowWidth) + "  " + value(field, row, false));
                }
            }
        }
    }

    private String value(Schema.Field field, GenericRecord row, boolean vertical) {
        String text = AvroText.of(field.schema(), row.get(field.pos()));
        if (full) {
            return text.replace("\n", "\n" + " ".repeat(vertical ? 4 : 8));
        }
        return AvroText.shorten(text, maxChars);
    }

    /** The column's name in PostgreSQL (the Avro field's may differ: AvroMapping). */
    private static String column(Schema.Field field) {
        String column = field.getProp(AvroMapping.PG_COLUMN);
        return column != null ? column : field.name();
    }

    private static boolean numeric(Schema.Field field) {
        Schema schema = AvroMapping.valueSchema(field.schema());
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal) {
            return true;
        }
        return schema.getLogicalType() == null
                && switch (schema.getType()) {
                    case INT, LONG, FLOAT, DOUBLE -> true;
                    default -> false;
                };
    }

    private static String align(String text, int width, boolean right) {
        return right ? " ".repeat(Math.max(0, width - text.length())) + text : pad(text, width);
    }

    private static String pad(String text, int width) {
        return text + " ".repeat(Math.max(0, width - text.length()));
    }
}
