package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ledger's size and SHA-256 of every file are those of the file as it lies in the archive, computed
 * here independently (the export digests the bytes as it writes them, without reading the file again).
 */
class ArchiveFileChecksumTest extends ArchiveTestSupport {

    @Test
    void recordedSizesAndChecksumsAreTheFiles() throws Exception {
        fixture.runs(40, "ok", Instant.parse("2026-05-27T03:00:00Z"), 4_000, 5);
        fixture.runs(7, "error", Instant.parse("2026-05-30T10:00:00Z"), 3_000, 2);
        launcher.archive(CUTOFF);

        List<List<Object>> files = postgres("SELECT path, byte_count, sha256 FROM archiver.archive_file ORDER BY path");
        assertThat(files).hasSizeGreaterThanOrEqualTo(6); // three tables, several days
        for (List<Object> file : files) {
            byte[] content = Files.readAllBytes(Path.of(URI.create((String) file.get(0))));
            assertThat(file.get(1)).as("%s bytes", file.get(0)).isEqualTo((long) content.length);
            assertThat(file.get(2))
                    .as("%s sha256", file.get(0))
                    .isEqualTo(HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(content)));
        }
    }
}
