package dev.pipelinearchiver.parquet;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.util.FileSystemUtils;

/**
 * Loads the classes and native libraries the export needs (Parquet's writers and footer reader, the
 * codec and its native library, the SHA-256 provider) while the plan's query keeps the JVM otherwise
 * idle, rather than in the first batches (docs/decisions: the warm-up beside the plan).
 */
final class ParquetWarmUp {

    private static final Logger log = LoggerFactory.getLogger(ParquetWarmUp.class);

    private final ParquetWriters writers;
    private final ParquetArchive archive;

    ParquetWarmUp(ParquetWriters writers, ParquetArchive archive) {
        this.writers = writers;
        this.archive = archive;
    }

    Thread inBackground() {
        Thread thread = new Thread(this::run, "parquet-warm-up");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Writes, reads back and deletes a one-row Parquet file with the archive's writer settings in a
     * private directory under {@code java.io.tmpdir}, never in the archive. Best effort: returns false
     * (logged at debug level) if anything fails; the export then loads what it needs itself.
     */
    boolean run() {
        try {
            Path dir = Files.createTempDirectory("pipeline-archiver-warm-up");
            try {
                Schema schema = SchemaBuilder.record("warm_up")
                        .namespace(AvroMapping.NAMESPACE)
                        .fields()
                        .requiredLong("id")
                        .optionalString("text")
                        .endRecord();
                Path file = dir.resolve("warm-up.parquet");
                DigestingOutputFile output = new DigestingOutputFile(new LocalOutputFile(file));
                try (ParquetWriter<GenericRecord> writer = writers.configure(
                                AvroParquetWriter.<GenericRecord>builder(output)
                                        .withSchema(schema)
                                        .withDataModel(GenericData.get()),
                                schema)
                        .build()) {
                    GenericData.Record record = new GenericData.Record(schema);
                    record.put("id", 1L);
                    record.put("text", "warm-up");
                    writer.write(record);
                }
                archive.footerRows(new LocalInputFile(file));
                output.sha256();
                return true;
            } finally {
                FileSystemUtils.deleteRecursively(dir);
            }
        } catch (IOException | RuntimeException | LinkageError e) {
            log.debug("Parquet warm-up failed (the export loads what it needs itself): {}", e.toString());
            return false;
        }
    }
}
