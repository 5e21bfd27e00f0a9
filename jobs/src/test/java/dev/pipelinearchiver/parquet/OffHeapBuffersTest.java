package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.storage.StorageConfiguration;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.hadoop.ParquetReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Parquet's write buffers off the heap: every one freed once the file is closed, none used after its release. */
class OffHeapBuffersTest {

    @TempDir
    Path root;

    @Test
    void aFileWriterReleasesEveryBufferItTookAndTheFileReadsBack() throws Exception {
        // given: poisoned buffers (a use after release would corrupt the file) and small pages: many pages,
        // several buffers per page, values over 1 MB (ZstdPages' huge-page path) and over 16 MB (heap buffers)
        OffHeapBuffers buffers = new OffHeapBuffers(true);
        ArchiverProperties.Parquet settings = new ArchiverProperties.Parquet("ZSTD", 1, 1 << 20, 1 << 16, 22, 18);
        ArchiverProperties properties =
                new ArchiverProperties(root.toString(), null, 5000, 500, 2, 2, settings, null, null, null, null, null);
        ParquetArchive archive = new ParquetArchive(StorageConfiguration.open(properties), properties, buffers);
        Schema schema = SchemaBuilder.record("step")
                .namespace(AvroMapping.NAMESPACE)
                .fields()
                .requiredLong("id")
                .optionalString("status")
                .optionalString("payload")
                .endRecord();
        Random random = new Random(7);
        List<GenericRecord> written = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            GenericData.Record record = new GenericData.Record(schema);
            record.put("id", (long) i);
            record.put(
                    "status", i % 7 == 0 ? null : List.of("ok", "skip", "error").get(i % 3));
            String payload = i == 4000
                    ? text(random, 17_000_000)
                    : i % 2500 == 2499 ? text(random, 1_200_000) : text(random, 50 + random.nextInt(800));
            record.put("payload", i % 11 == 0 ? null : payload);
            written.add(record);
        }

        // when
        String file = archive.file("steps", LocalDate.EPOCH, "part.parquet");
        try (var staged = archive.stage(file, schema)) {
            for (GenericRecord record : written) {
                staged.write(record);
            }
            assertThat(buffers.outstandingBytes())
                    .as("pages held while the file is open")
                    .isPositive();
            assertThat(staged.commit().rows()).isEqualTo(written.size());
        }

        // then
        assertThat(buffers.outstandingBytes()).as("every buffer released").isZero();
        List<GenericRecord> read = new ArrayList<>();
        try (ParquetReader<GenericRecord> reader = archive.reader(file)) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                read.add(record);
            }
        }
        assertThat(read).hasSameSizeAs(written);
        for (int i = 0; i < written.size(); i++) {
            assertThat(read.get(i).toString()).isEqualTo(written.get(i).toString());
        }
    }

    @Test
    void freesOnlyWhatItAllocated() {
        OffHeapBuffers buffers = new OffHeapBuffers(false);
        ByteBuffer buffer = buffers.allocate(1000);
        assertThat(buffer.isDirect()).isTrue();
        assertThat(buffers.outstandingBytes()).isEqualTo(1000);
        assertThatThrownBy(() -> buffers.release(ByteBuffer.allocate(10))).isInstanceOf(IllegalArgumentException.class);

        // a huge value's buffer is on the heap, and only counted
        ByteBuffer huge = buffers.allocate(OffHeapBuffers.HEAP_ABOVE_BYTES + 1);
        assertThat(huge.isDirect()).isFalse();
        assertThat(buffers.outstandingBytes()).isEqualTo(1000 + OffHeapBuffers.HEAP_ABOVE_BYTES + 1);
        buffers.release(huge);
        assertThatThrownBy(() -> buffers.release(buffer.slice(10, 20))).isInstanceOf(IllegalArgumentException.class);
        buffers.release(buffer);
        assertThat(buffers.outstandingBytes()).isZero();
    }

    private static String text(Random random, int length) {
        String[] words = {
            "signal", "trend", "the", "momentum", "é", "rate", "limit", "🚀", "agent", "{\"k\":", "[1, 2]", "null"
        };
        StringBuilder text = new StringBuilder(length + 16);
        while (text.length() < length) {
            text.append(words[random.nextInt(words.length)]).append(' ');
        }
        return text.toString();
    }
}
