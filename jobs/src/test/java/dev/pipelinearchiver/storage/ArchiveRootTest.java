package dev.pipelinearchiver.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** One canonical spelling per root and per file, so that the ledger's paths and listed files compare. */
class ArchiveRootTest {

    @Test
    void spellingsOfOneRootAreOneCanonicalRoot() {
        String absolute = Path.of("archive").toAbsolutePath().toString();

        assertThat(ArchiveRoot.parse("./archive").toString()).isEqualTo("file:" + absolute);
        assertThat(ArchiveRoot.parse("file://" + absolute + "/").toString()).isEqualTo("file:" + absolute);
        assertThat(ArchiveRoot.parse("s3a://lake/pipelines/archive/").toString())
                .isEqualTo("s3://lake/pipelines/archive");
        assertThat(ArchiveRoot.parse("s3://lake").toString()).isEqualTo("s3://lake");
        assertThat(ArchiveRoot.parse("s3://lake/x").resolve("pipeline_runs/dt=2026-05-29/part.parquet"))
                .isEqualTo("s3://lake/x/pipeline_runs/dt=2026-05-29/part.parquet");
    }

    @Test
    void aFileBelongsToTheRootWhateverItsSpelling() {
        ArchiveRoot s3 = ArchiveRoot.parse("s3://lake/x");
        ArchiveRoot local = ArchiveRoot.parse("/data/archive");

        assertThat(s3.contains("s3a://lake/x/pipeline_runs/dt=2026-05-29/a.parquet"))
                .isTrue();
        assertThat(s3.contains("s3://lake/xy/pipeline_runs/dt=2026-05-29/a.parquet"))
                .isFalse();
        assertThat(s3.contains("s3://other/x/pipeline_runs/dt=2026-05-29/a.parquet"))
                .isFalse();
        assertThat(local.contains("file:/data/archive/pipeline_runs/dt=2026-05-29/a.parquet"))
                .isTrue();
        assertThat(local.contains("file:///data/archive/pipeline_runs/dt=2026-05-29/a.parquet"))
                .isTrue();
        assertThat(local.contains("file:/data/archive2/pipeline_runs/dt=2026-05-29/a.parquet"))
                .isFalse();
    }

    @Test
    void anUnsupportedOrMalformedRootIsRefusedNamingTheSupportedOnes() {
        for (String root : new String[] {"hdfs://namenode/archive", "gs://bucket/x", "s3://Bad_Bucket", "s3:bucket"}) {
            assertThatThrownBy(() -> ArchiveRoot.parse(root))
                    .as(root)
                    .isInstanceOf(ArchiveIoException.class)
                    .hasMessageContaining(root)
                    .hasMessageEndingWith("supported: " + ArchiveRoot.SUPPORTED);
        }
    }
}
