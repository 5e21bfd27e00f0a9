package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.storage.ArchiveRoot;
import dev.pipelinearchiver.storage.ArchiveStorage;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Predicate;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.avro.AvroSchemaConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.InputFile;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * The archive's Parquet files: Hive-partitioned datasets {@code <root>/<dataset>/dt=YYYY-MM-DD/<file>.parquet}
 * on the configured {@link ArchiveStorage}. A file is written with the archive's writer settings
 * ({@link ParquetWriters}), its bytes digested and counted as they are written, its footer read back and
 * compared with the rows written, and only then published: a reader or a crash never sees half a file.
 */
@Component
public class ParquetArchive {

    private final ArchiveStorage storage;
    private final ParquetWriters writers;
    private final Configuration conf;

    @Autowired
    public ParquetArchive(ArchiveStorage storage, ArchiverProperties properties) {
        this(storage, properties, OffHeapBuffers.INSTANCE);
    }

    ParquetArchive(ArchiveStorage storage, ArchiverProperties properties, OffHeapBuffers buffers) {
        this.storage = storage;
        Sha256.preferForAll(); // before the job's first S3 request, whose SigV4 payload hashes then use it
        this.writers = new ParquetWriters(properties.parquet(), buffers);
        this.conf = writers.conf();
    }

    public ArchiveStorage storage() {
        return storage;
    }

    /** The root in canonical form. */
    public String root() {
        return storage.root().toString();
    }

    public String file(String dataset, LocalDate dt, String fileName) {
        return storage.root().resolve(dataset + "/dt=" + dt + "/" + fileName);
    }

    public String manifestFile(String fileName) {
        return storage.root().resolve("_manifests/" + fileName);
    }

    /** Loads the writer's classes and native codec off the critical path (see {@link ParquetWarmUp}). */
    public Thread warmUpInBackground() {
        return new ParquetWarmUp(writers, this).inBackground();
    }

    /** The warm-up run in the calling thread (tests). */
    boolean warmUp() {
        return new ParquetWarmUp(writers, this).run();
    }

    /** Fails with a clear message unless a file can be written at the root: before any write. */
    public void checkWritable() {
        storage.checkWritable();
    }

    /** Opens a Parquet file of Avro records that appears at {@code location} on {@link StagedFile#commit()}. */
    public StagedFile<GenericRecord> stage(String location, Schema schema) throws IOException {
        ArchiveStorage.NewFile file = storage.create(location);
        try {
            DigestingOutputFile output = new DigestingOutputFile(file.output());
            AvroParquetWriter.Builder<GenericRecord> builder = AvroParquetWriter.<GenericRecord>builder(output)
                    .withSchema(schema)
                    .withDataModel(GenericData.get());
            return new StagedFile<>(
                    location, file, output, writers.configure(builder, schema).build());
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /**
     * Opens a Parquet file of a table's rows, written straight from a binary COPY's current row
     * ({@link StagedFile#write}): the same file as {@link #stage(String, Schema)} with the mapping's records.
     */
    public StagedFile<CopyRows> stage(String location, AvroMapping mapping) throws IOException {
        ArchiveStorage.NewFile file = storage.create(location);
        try {
            DigestingOutputFile output = new DigestingOutputFile(file.output());
            return new StagedFile<>(location, file, output, writers.rows(output, mapping));
        } catch (IOException | RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** Writes a small file (a manifest) whole: it appears complete or not at all. */
    public void writeSmallFile(String location, byte[] content) throws IOException {
        try (ArchiveStorage.NewFile file = storage.create(location);
                OutputStream out = file.output().create(0)) {
            out.write(content);
            out.close();
            file.publish(written -> {
                if (written.getLength() != content.length) {
                    throw new IOException(
                            location + " holds " + written.getLength() + " bytes, " + content.length + " were written");
                }
            });
        }
    }

    /** Re-reads a file in place: footer row count, size and SHA-256. */
    public WrittenFile describe(String location) throws IOException {
        InputFile file = storage.open(location);
        long rows = footerRows(file);
        MessageDigest digest = Sha256.newDigest();
        long bytes = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = file.newStream()) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                digest.update(buffer, 0, n);
                bytes += n;
            }
        }
        return new WrittenFile(location, rows, bytes, HexFormat.of().formatHex(digest.digest()));
    }

    /** The rows a Parquet file's footer counts. */
    long footerRows(InputFile file) throws IOException {
        // Read options from our Configuration: without them parquet-mr builds a default Hadoop
        // Configuration per file, which parses core-default.xml (~10 % of the export's CPU).
        try (ParquetFileReader reader =
                ParquetFileReader.open(file, HadoopReadOptions.builder(conf).build())) {
            return reader.getRecordCount();
        }
    }

    public boolean exists(String location) throws IOException {
        return storage.size(location) >= 0;
    }

    /** The Parquet files in place under a dataset, at any depth, in-flight and metadata names skipped. */
    public List<String> datasetFiles(String dataset) throws IOException {
        return storage.listParquet(dataset);
    }

    /** A location in its one canonical spelling, so that the ledger's paths and listed paths compare. */
    public String qualified(String location) {
        return ArchiveRoot.canonical(location);
    }

    /**
     * Rewrites a file keeping only the records {@code keep} accepts (same schema, same settings); the
     * old version stays in place until the new one is complete.
     */
    public WrittenFile rewrite(String location, Predicate<GenericRecord> keep) throws IOException {
        Schema schema;
        try (ParquetReader<GenericRecord> reader = reader(location)) {
            GenericRecord first = reader.read();
            schema = first == null ? null : first.getSchema();
        }
        if (schema == null) {
            return describe(location); // empty file: nothing to drop
        }
        try (StagedFile<GenericRecord> staged = stage(location, schema);
                ParquetReader<GenericRecord> reader = reader(location)) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                if (keep.test(record)) {
                    staged.write(record);
                }
            }
            reader.close(); // read whole before the new version replaces it
            return staged.commit();
        }
    }

    /**
     * The Avro schema a file was written with (kept in its footer, with each field's PostgreSQL column and
     * type), else the one its Parquet schema converts to.
     */
    public Schema avroSchema(String location) throws IOException {
        try (ParquetFileReader reader = ParquetFileReader.open(
                storage.open(location), HadoopReadOptions.builder(conf).build())) {
            String json =
                    reader.getFooter().getFileMetaData().getKeyValueMetaData().get("parquet.avro.schema");
            return json != null
                    ? new Schema.Parser().parse(json)
                    : new AvroSchemaConverter(conf)
                            .convert(reader.getFooter().getFileMetaData().getSchema());
        }
    }

    public ParquetReader<GenericRecord> reader(String location) throws IOException {
        return reader(storage.open(location));
    }

    ParquetReader<GenericRecord> reader(InputFile file) throws IOException {
        return AvroParquetReader.<GenericRecord>builder(file)
                .withDataModel(GenericData.get())
                .withConf(conf)
                .build();
    }

    /** A Parquet file being written; closing it without commit discards it. */
    public class StagedFile<T> implements Closeable {

        private final String location;
        private final ArchiveStorage.NewFile file;
        /** Digests and counts the bytes as they are written: the file is not read again for its checksum. */
        private final DigestingOutputFile output;

        private final ParquetWriter<T> writer;
        private long rows;
        private boolean done;

        private StagedFile(
                String location, ArchiveStorage.NewFile file, DigestingOutputFile output, ParquetWriter<T> writer) {
            this.location = location;
            this.file = file;
            this.output = output;
            this.writer = writer;
        }

        /**
         * Writes a record, or for a file of rows the COPY's current row (a field that cannot be decoded
         * surfaces as an unchecked exception caused by an SQLException).
         */
        public void write(T record) throws IOException {
            writer.write(record);
            rows++;
        }

        public long rows() {
            return rows;
        }

        /**
         * Closes the file and publishes it after reading it back: its footer must count the rows written
         * and its length must be the bytes written. Its SHA-256 is that of the bytes written.
         */
        public WrittenFile commit() throws IOException {
            done = true;
            try {
                writer.close();
                file.publish(written -> {
                    long footerRows = footerRows(written);
                    if (footerRows != rows) {
                        throw new IOException("Parquet footer of " + location + " counts " + footerRows + " rows, "
                                + rows + " were written");
                    }
                    if (written.getLength() != output.bytes()) {
                        throw new IOException(location + " holds " + written.getLength() + " bytes, " + output.bytes()
                                + " were written");
                    }
                });
            } finally {
                file.close(); // discards an unpublished file (an object store: aborts its upload)
            }
            return new WrittenFile(location, rows, output.bytes(), output.sha256());
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                try {
                    writer.close();
                } finally {
                    file.close();
                }
            }
        }
    }
}
