package dev.pipelinearchiver.restore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import dev.pipelinearchiver.support.OnS3Root;
import dev.pipelinearchiver.verify.ArchiveVerifier;
import dev.pipelinearchiver.verify.DtRange;
import dev.pipelinearchiver.verify.Problem;
import java.nio.file.Files;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * {@code rewrite-layout} on an S3 root (a real S3 server): the layout version 1 fixture's objects are rewritten
 * through the object store's API (hidden object, compared, recorded, copied over, deleted), once; then the
 * archive verifies and restores exactly.
 */
@OnS3Root
class S3LayoutRewriteTest extends ArchiveTestSupport {

    @Autowired
    LayoutRewriter rewriter;

    @Autowired
    ArchiveVerifier verifier;

    @Autowired
    RunRestorer restorer;

    @Test
    void rewritesVersion1ObjectsOnceAndTheArchiveStillVerifiesAndRestores() throws Exception {
        // given
        DB.execute(LayoutV1FixtureTest.allTypesTable());
        LayoutV1FixtureTest.load(DB, "s3://" + OnS3Root.BUCKET);
        List<String> lines = new ArrayList<>();

        // when
        LayoutRewriter.Report first = rewriter.rewrite(lines::add);
        LayoutRewriter.Report second = rewriter.rewrite(line -> {});

        // then: the two objects with decimals rewritten, under their own names, recorded on the S3 root
        assertThat(first).isEqualTo(new LayoutRewriter.Report(2, 0, 2));
        assertThat(lines).hasSize(2).allMatch(line -> line.startsWith("rewritten  s3://" + OnS3Root.BUCKET + "/"));
        assertThat(second).isEqualTo(new LayoutRewriter.Report(0, 0, 4));
        assertThat(postgres("SELECT path FROM archiver.archive_file ORDER BY path"))
                .extracting(row -> (String) row.get(0))
                .allMatch(path -> path.startsWith("s3://" + OnS3Root.BUCKET + "/") && !path.contains("/."));
        try (var files = Files.walk(ROOT)) {
            assertThat(files.map(path -> path.getFileName().toString())).noneMatch(name -> name.startsWith("."));
        }
        List<Problem> problems = new ArrayList<>();
        assertThat(verifier.verify(DtRange.ALL, null, problems::add).filesChecked())
                .isEqualTo(4);
        assertThat(problems).isEmpty();
        restorer.restore(RestoreRequest.day(LocalDate.parse("2026-05-10"), false));
        assertThat(LayoutV1FixtureTest.rowDigests())
                .isEqualTo(Files.readAllLines(LayoutV1FixtureTest.FIXTURE.resolve("rows.tsv")));
    }
}
