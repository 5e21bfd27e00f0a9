package dev.pipelinearchiver.cli;

import dev.pipelinearchiver.restore.LayoutRewriter;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code rewrite-layout}: archived files of an older layout rewritten into today's (docs/decisions/0018). */
@Command(
        name = "rewrite-layout",
        mixinStandardHelpOptions = true,
        description = {
            "Rewrites the files of archived batches written in layout version 1 (decimals as Avro bytes, which"
                    + " Spark's vectorized reader fails on) into version 2, one file at a time: the new file is"
                    + " written under a hidden name, compared with the old one (rows, and a checksum of every value),"
                    + " recorded in the ledger with its SHA-256, and only then replaces the old one.",
            "Resumable (rerun it after a kill) and idempotent (a second run changes nothing). Holds each shard's"
                    + " archive lock while it rewrites that shard's files: refused (exit 3) while an archive launch"
                    + " or another rewrite-layout holds it. Prints one line per file changed, then a summary."
        },
        footerHeading = "%nExample:%n",
        footer = {"  pipeline-archiver rewrite-layout && pipeline-archiver verify"})
class RewriteLayoutCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    SpringOptions spring;

    @Override
    public Integer call() throws Exception {
        try (ConfigurableApplicationContext context = spring.start()) {
            PrintWriter out = spec.commandLine().getOut();
            LayoutRewriter.Report report;
            try {
                report = context.getBean(LayoutRewriter.class).rewrite(line -> {
                    out.println(line);
                    out.flush();
                });
            } catch (LayoutRewriter.LockedException e) {
                out.println(e.done().summary());
                throw new CommandFailure(ArchiverCommand.LOCKED, e.getMessage());
            }
            out.println(report.summary());
            return ArchiverCommand.OK;
        }
    }
}
