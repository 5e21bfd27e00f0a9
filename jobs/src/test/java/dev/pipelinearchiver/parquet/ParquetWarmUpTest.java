package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The export's warm-up writes a real file with the archive's settings, and leaves nothing behind, in the archive or elsewhere. */
class ParquetWarmUpTest extends ArchiveTestSupport {

    @Autowired
    ParquetArchive parquet;

    @Test
    void writesReadsAndDeletesOneFileOutsideTheArchive() throws Exception {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = warmUpDirectories(tmp);

        assertThat(parquet.warmUp())
                .as("a zstd file written with the archive's settings, its footer and SHA-256 read")
                .isTrue();
        Thread background = parquet.warmUpInBackground();
        background.join(60_000);

        assertThat(background.isAlive()).isFalse();
        assertThat(background.isDaemon()).isTrue(); // never keeps the JVM up
        assertThat(warmUpDirectories(tmp)).isEqualTo(before);
        try (Stream<Path> archived = Files.walk(ROOT)) {
            assertThat(archived.filter(Files::isRegularFile)).isEmpty();
        }
    }

    private static long warmUpDirectories(Path tmp) throws Exception {
        try (Stream<Path> entries = Files.list(tmp)) {
            return entries.filter(p -> p.getFileName().toString().startsWith("pipeline-archiver-warm-up"))
                    .count();
        }
    }
}
