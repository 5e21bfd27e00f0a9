package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.compression.CompressionCodecFactory.BytesInputCompressor;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;

/** Parquet pages compressed by our zstd contexts: standard frames, the settings applied, contexts pooled, huge pages handled. */
class ZstdPagesTest {

    private static final int PAGE = 1 << 20;

    @Test
    void pagesAreStandardZstdFramesOfExactlyTheirBytes() throws IOException {
        ZstdPages pages = new ZstdPages(1, 22, 18, PAGE);
        CompressionCodecFactory codecs = pages.codecs(standard());
        BytesInputCompressor compressor = codecs.getCompressor(CompressionCodecName.ZSTD);
        byte[] first = prose(new Random(1), PAGE + 1234);
        byte[] second = prose(new Random(2), 3000);
        // a page as parquet-java hands it over: several pieces, one of them from a buffer
        BytesInput page = BytesInput.concat(
                BytesInput.from(first, 0, 1000),
                BytesInput.from(java.nio.ByteBuffer.wrap(first, 1000, first.length - 1000)));

        byte[] compressed = compressor.compress(page).toByteArray();
        assertThat(Zstd.decompress(compressed, first.length)).isEqualTo(first);
        // the next page reuses the buffers: the first page's bytes were copied out before
        byte[] again = compressor.compress(BytesInput.from(second)).toByteArray();
        assertThat(Zstd.decompress(again, second.length)).isEqualTo(second);
        assertThat(compressor.getCodecName()).isEqualTo(CompressionCodecName.ZSTD);
        codecs.release();
    }

    @Test
    void aHugePageIsCompressedOnTheHeap() throws IOException {
        ZstdPages pages = new ZstdPages(1, 22, 18, PAGE);
        CompressionCodecFactory codecs = pages.codecs(standard());
        BytesInputCompressor compressor = codecs.getCompressor(CompressionCodecName.ZSTD);
        byte[] huge = prose(new Random(3), 5 * PAGE + 17); // over twice the page size: not through the pooled buffers
        byte[] compressed = compressor.compress(BytesInput.from(huge)).toByteArray();
        assertThat(Zstd.decompress(compressed, huge.length)).isEqualTo(huge);
        byte[] small = prose(new Random(6), 1000);
        assertThat(Zstd.decompress(compressor.compress(BytesInput.from(small)).toByteArray(), small.length))
                .isEqualTo(small);
        codecs.release();
    }

    @Test
    void theWindowAndHashSettingsAreApplied() throws IOException {
        // 1 MB of incompressible bytes, then the same again: only a window over 1 MB finds the repeat
        byte[] block = new byte[PAGE];
        new Random(4).nextBytes(block);
        byte[] page = new byte[2 * PAGE];
        System.arraycopy(block, 0, page, 0, PAGE);
        System.arraycopy(block, 0, page, PAGE, PAGE);

        long levelOwn = compressedSize(new ZstdPages(1, 0, 0, 2 * PAGE), page); // level 1: a 512 KB window
        long wide = compressedSize(new ZstdPages(1, 22, 18, 2 * PAGE), page);
        assertThat(levelOwn).isGreaterThan(2L * PAGE * 9 / 10);
        assertThat(wide).isLessThan(PAGE + PAGE / 10);
    }

    @Test
    void contextsArePooledAcrossFiles() throws IOException {
        ZstdPages pages = new ZstdPages(1, 22, 18, PAGE);
        byte[] text = prose(new Random(5), 10_000);
        CompressionCodecFactory file1 = pages.codecs(standard());
        BytesInputCompressor first = file1.getCompressor(CompressionCodecName.ZSTD);
        first.compress(BytesInput.from(text));
        assertThat(file1.getCompressor(CompressionCodecName.ZSTD))
                .as("one context for all columns of a file")
                .isSameAs(first);
        file1.release();
        assertThat(pages.idle()).isEqualTo(1);

        CompressionCodecFactory file2 = pages.codecs(standard());
        assertThat(file2.getCompressor(CompressionCodecName.ZSTD))
                .as("the next file takes the idle context")
                .isSameAs(first);
        assertThat(pages.idle()).isZero();
        file2.release();

        List<CompressionCodecFactory> open = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            CompressionCodecFactory codecs = pages.codecs(standard());
            codecs.getCompressor(CompressionCodecName.ZSTD).compress(BytesInput.from(text));
            open.add(codecs);
        }
        open.forEach(CompressionCodecFactory::release);
        assertThat(pages.idle()).as("at most a few kept; the others closed").isEqualTo(4);
    }

    @Test
    void otherCodecsAndDecompressionAreParquetsOwn() throws IOException {
        CompressionCodecFactory codecs = new ZstdPages(1, 22, 18, PAGE).codecs(standard());
        byte[] text = prose(new Random(6), 50_000);
        BytesInput snappy = codecs.getCompressor(CompressionCodecName.SNAPPY).compress(BytesInput.from(text));
        assertThat(codecs.getDecompressor(CompressionCodecName.SNAPPY)
                        .decompress(BytesInput.copy(snappy), text.length)
                        .toByteArray())
                .isEqualTo(text);
        BytesInput zstd =
                BytesInput.copy(codecs.getCompressor(CompressionCodecName.ZSTD).compress(BytesInput.from(text)));
        assertThat(codecs.getDecompressor(CompressionCodecName.ZSTD)
                        .decompress(zstd, text.length)
                        .toByteArray())
                .isEqualTo(text);
        codecs.release();
    }

    @Test
    void settingsOutsideZstdsBoundsAreRefusedNamingTheSetting() {
        assertThatThrownBy(() -> new ZstdPages(1, 9, 0, PAGE))
                .hasMessageContaining("archiver.parquet.zstd-window-log")
                .hasMessageContaining("not 9");
        assertThatThrownBy(() -> new ZstdPages(1, 28, 0, PAGE))
                .hasMessageContaining("archiver.parquet.zstd-window-log");
        assertThatThrownBy(() -> new ZstdPages(1, 0, 5, PAGE)).hasMessageContaining("archiver.parquet.zstd-hash-log");
        assertThatThrownBy(() -> new ZstdPages(1, 0, 31, PAGE)).hasMessageContaining("archiver.parquet.zstd-hash-log");
        assertThatThrownBy(() -> new ZstdPages(Zstd.maxCompressionLevel() + 1, 0, 0, PAGE))
                .hasMessageContaining("archiver.parquet.compression-level");
    }

    private static long compressedSize(ZstdPages pages, byte[] page) throws IOException {
        CompressionCodecFactory codecs = pages.codecs(standard());
        long size = codecs.getCompressor(CompressionCodecName.ZSTD)
                .compress(BytesInput.from(page))
                .size();
        codecs.release();
        return size;
    }

    private static CodecFactory standard() {
        return new CodecFactory(new Configuration(false), PAGE);
    }

    /** Text like the archive's payloads: words from a small vocabulary with numbers between them. */
    private static byte[] prose(Random random, int bytes) {
        String[] words = {
            "résumé", "yield", "bullish", "spread", "{\"run_id\": ", "Tōkyō", "support", "\"context\": ", "rally", "🙂"
        };
        StringBuilder text = new StringBuilder(bytes + 32);
        while (text.length() < bytes) {
            text.append(words[random.nextInt(words.length)])
                    .append(' ')
                    .append(random.nextInt(1000))
                    .append(' ');
        }
        byte[] utf8 = text.toString().getBytes(StandardCharsets.UTF_8);
        return java.util.Arrays.copyOf(utf8, bytes);
    }
}
