package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.source.CopyRows;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Predicate;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.avro.AvroParquetReader;
import org.apache.parquet.avro.AvroParquetWriter;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.OutputFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.springframework.util.FileSystemUtils;

/**
 * The archive root on a Hadoop FileSystem ({@code file://} by default): Hive-partitioned datasets
 * {@code <root>/<dataset>/dt=YYYY-MM-DD/<file>.parquet}. Files are written under a hidden temporary
 * name, closed, checked against their footer, synced, then renamed into place, so a reader or a crash
 * never sees half a file. Files are readable by owner and group only.
 */
@Component
public class ParquetArchive {

    private static final Logger log = LoggerFactory.getLogger(ParquetArchive.class);

    private static final FsPermission FILE_PERMISSION = new FsPermission((short) 0640);
    private static final FsPermission DIR_PERMISSION = new FsPermission((short) 0750);

    private final Configuration conf;
    /**
     * Opened on a thread of its own, as Spring creates the other beans: loading Hadoop's file systems
     * held the start's main thread ~0.1 s while the other core waited. {@link #fs()} waits for it.
     */
    private final FutureTask<FileSystem> fileSystem;

    private final Path root;
    private final boolean local;
    private final ArchiverProperties.Parquet settings;
    /** ZSTD pages' compression (null for another codec). */
    private final ZstdPages zstd;
    /** The writers' page buffers. */
    private final OffHeapBuffers buffers;

    @Autowired
    public ParquetArchive(ArchiverProperties properties) {
        this(properties, OffHeapBuffers.INSTANCE);
    }

    ParquetArchive(ArchiverProperties properties, OffHeapBuffers buffers) {
        this.settings = properties.parquet();
        this.buffers = buffers;
        this.conf = new Configuration(false);
        // The raw local file system writes no .crc side files (the archive keeps its own SHA-256);
        // this one sets permissions without forking chmod.
        conf.set("fs.file.impl", NioLocalFileSystem.class.getName());
        conf.setBoolean("fs.file.impl.disable.cache", true);
        this.zstd = CompressionCodecName.ZSTD.name().equals(settings.compression())
                ? new ZstdPages(
                        settings.compressionLevel(),
                        settings.zstdWindowLog(),
                        settings.zstdHashLog(),
                        settings.pageBytes())
                : null;
        URI uri = rootUri(properties.outputRoot());
        this.root = new Path(uri);
        this.local = "file".equals(uri.getScheme());
        this.fileSystem = new FutureTask<>(() -> root.getFileSystem(conf));
        Thread opener = new Thread(fileSystem, "archive-root");
        opener.setDaemon(true);
        opener.start();
    }

    /** The archive root's file system; a root that cannot be opened (unknown scheme, bad URI) fails here, before any write. */
    private FileSystem fs() {
        try {
            return fileSystem.get();
        } catch (ExecutionException e) {
            throw new ArchiveIoException(
                    "Cannot open the archive root " + root + ": " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ArchiveIoException("Interrupted while opening the archive root " + root, e);
        }
    }

    /** A URI as given, or a plain (possibly relative) local path made absolute. */
    static URI rootUri(String outputRoot) {
        URI uri = URI.create(outputRoot.replace(" ", "%20"));
        if (uri.getScheme() == null) {
            return Paths.get(outputRoot).toAbsolutePath().normalize().toUri();
        }
        return uri;
    }

    public String root() {
        return root.toString();
    }

    public Path file(String dataset, LocalDate dt, String fileName) {
        return new Path(new Path(new Path(root, dataset), "dt=" + dt), fileName);
    }

    public Path manifestFile(String fileName) {
        return new Path(new Path(root, "_manifests"), fileName);
    }

    /**
     * Runs {@link #warmUp} on a background daemon thread, so that the classes and native libraries the
     * export needs are loaded while the plan's query keeps the JVM otherwise idle, rather than by the
     * first batches (they were exported ~0.6 s later without it).
     */
    public Thread warmUpInBackground() {
        Thread thread = new Thread(this::warmUp, "parquet-warm-up");
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /**
     * Writes, reads back and deletes a one-row Parquet file with the archive's writer settings (codec
     * included) in a private directory under {@code java.io.tmpdir}, never in the archive: loads Parquet's writers and
     * footer reader, the codec and its native library, Hadoop's local file system and the SHA-256
     * provider. Best effort: returns false (logged at debug level) if anything fails; the export then
     * loads them itself.
     */
    boolean warmUp() {
        try {
            java.nio.file.Path dir = Files.createTempDirectory("pipeline-archiver-warm-up");
            try {
                Schema schema = SchemaBuilder.record("warm_up")
                        .namespace(AvroMapping.NAMESPACE)
                        .fields()
                        .requiredLong("id")
                        .optionalString("text")
                        .endRecord();
                Path file = new Path(dir.resolve("warm-up.parquet").toUri());
                DigestingOutputFile output = new DigestingOutputFile(HadoopOutputFile.fromPath(file, conf));
                try (ParquetWriter<GenericRecord> writer = configure(
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
                footerRows(file);
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

    /** Fails with a clear message unless the root exists (or can be created) and a file can be written there. */
    public void checkWritable() {
        Path probe = new Path(root, "._write_probe");
        try {
            mkdirs(root);
            try (OutputStream out = fs().create(probe, true)) {
                out.write(0);
            }
            fs().delete(probe, false);
        } catch (IOException | RuntimeException e) {
            throw new ArchiveIoException("The archive root " + root + " is not writable: " + e.getMessage(), e);
        }
    }

    /** Opens a staged Parquet file of Avro records that becomes {@code target} on {@link StagedFile#commit()}. */
    public StagedFile<GenericRecord> stage(Path target, Schema schema) throws IOException {
        Path temporary = temporaryFor(target);
        DigestingOutputFile output = new DigestingOutputFile(HadoopOutputFile.fromPath(temporary, conf));
        AvroParquetWriter.Builder<GenericRecord> builder = AvroParquetWriter.<GenericRecord>builder(output)
                .withSchema(schema)
                .withDataModel(GenericData.get());
        return new StagedFile<>(
                temporary, target, output, configure(builder, schema).build());
    }

    /**
     * Opens a staged Parquet file of a table's rows, written straight from a binary COPY's current row
     * ({@link StagedFile#write}), that becomes {@code target} on {@link StagedFile#commit()}: the same file
     * as {@link #stage(Path, Schema)} with the mapping's records.
     */
    public StagedFile<CopyRows> stage(Path target, AvroMapping mapping) throws IOException {
        Path temporary = temporaryFor(target);
        RowWriteSupport rows = new RowWriteSupport(mapping);
        DigestingOutputFile output = new DigestingOutputFile(HadoopOutputFile.fromPath(temporary, conf));
        return new StagedFile<>(
                temporary,
                target,
                output,
                configure(new RowWriterBuilder(output, rows), mapping.schema()).build());
    }

    private Path temporaryFor(Path target) throws IOException {
        mkdirs(target.getParent());
        return new Path(target.getParent(), "." + target.getName() + ".tmp");
    }

    /** The archive's writer settings, whichever object model writes the records. */
    private <B extends ParquetWriter.Builder<?, B>> B configure(B builder, Schema schema) {
        builder.withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.valueOf(settings.compression()))
                .withRowGroupSize(settings.rowGroupBytes())
                .withPageSize(settings.pageBytes())
                .withDictionaryEncoding(true)
                .withAllocator(buffers)
                // Parquet's size statistics (unencoded bytes and level histograms per page and chunk:
                // optional hints for readers' memory planning; values, min/max and page indexes stay):
                // their per-value upkeep was ~2 % of the export's Java samples (JFR)
                .withSizeStatisticsEnabled(false);
        if (zstd != null) {
            builder.withCodecFactory(zstd.codecs(new CodecFactory(conf, settings.pageBytes())));
        }
        for (Schema.Field field : schema.getFields()) {
            if (!isLowCardinalityText(field)) {
                builder.withDictionaryEncoding(field.name(), false);
            }
            if (isPayload(field)) {
                // min/max of JSON documents prune nothing, and keeping them copied nearly every
                // value (a payload's prefix grows with run_id): 4.8 % of the export's allocations
                builder.withStatisticsEnabled(field.name(), false);
            }
        }
        return builder;
    }

    private static final class RowWriterBuilder extends ParquetWriter.Builder<CopyRows, RowWriterBuilder> {

        private final RowWriteSupport rows;

        private RowWriterBuilder(OutputFile file, RowWriteSupport rows) {
            super(file);
            this.rows = rows;
        }

        @Override
        protected RowWriterBuilder self() {
            return this;
        }

        @Override
        protected WriteSupport<CopyRows> getWriteSupport(Configuration conf) {
            return rows;
        }
    }

    /**
     * Unbounded text and binary columns (payloads, messages): their values are nearly all distinct,
     * so a dictionary only costs hashing every value until the writer gives up on it (a quarter of the
     * export's CPU on JSON payloads) and memory. Bounded types (varchar(n), enums, numbers) keep it.
     */
    static boolean isPayload(Schema.Field field) {
        Object pgType = field.getObjectProp(AvroMapping.PG_TYPE);
        return pgType instanceof String type && (PAYLOAD_TYPES.contains(type) || type.startsWith("_"));
    }

    private static final Set<String> PAYLOAD_TYPES = Set.of("text", "json", "jsonb", "xml", "bytea");

    /**
     * Text that is not a payload (varchar(n), enums, names): the columns a dictionary shrinks. Numbers
     * and timestamps go without one: zstd compresses their plain encoding as well, and hashing every
     * value into an int/long dictionary cost ~8 % of the export's CPU.
     */
    static boolean isLowCardinalityText(Schema.Field field) {
        Schema type = field.schema().isUnion() ? field.schema().getTypes().get(1) : field.schema();
        return type.getType() == Schema.Type.STRING && type.getLogicalType() == null && !isPayload(field);
    }

    /** Writes a small file (a manifest) atomically: temporary name, sync, rename. */
    public void writeSmallFile(Path target, byte[] content) throws IOException {
        mkdirs(target.getParent());
        Path temporary = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try (OutputStream out = fs().create(temporary, true)) {
            out.write(content);
        }
        publish(temporary, target);
    }

    /** Re-reads a file in place: footer row count, size and SHA-256. */
    public WrittenFile describe(Path file) throws IOException {
        long rows = footerRows(file);
        MessageDigest digest = Sha256.newDigest();
        long bytes = 0;
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = new DigestInputStream(fs().open(file), digest)) {
            for (int n; (n = in.read(buffer)) > 0; ) {
                bytes += n;
            }
        }
        return new WrittenFile(file.toString(), rows, bytes, HexFormat.of().formatHex(digest.digest()));
    }

    /** The rows a Parquet file's footer counts. */
    private long footerRows(Path file) throws IOException {
        // Read options from our Configuration: without them parquet-mr builds a default Hadoop
        // Configuration per file, which parses core-default.xml (~10 % of the export's CPU).
        try (ParquetFileReader reader = ParquetFileReader.open(
                HadoopInputFile.fromPath(file, conf),
                HadoopReadOptions.builder(conf).build())) {
            return reader.getRecordCount();
        }
    }

    public boolean exists(Path file) throws IOException {
        return fs().exists(file);
    }

    /**
     * The Parquet files in place under a dataset, at any depth; names starting with {@code .} (in-flight
     * temporary files) or {@code _} (metadata) are skipped, with everything below them.
     */
    public List<Path> datasetFiles(String dataset) throws IOException {
        List<Path> files = new ArrayList<>();
        Path dir = new Path(root, dataset);
        if (fs().exists(dir)) {
            collectParquetFiles(dir, files);
        }
        return files;
    }

    private void collectParquetFiles(Path dir, List<Path> files) throws IOException {
        for (FileStatus status : fs().listStatus(dir)) {
            String name = status.getPath().getName();
            if (name.startsWith(".") || name.startsWith("_")) {
                continue;
            }
            if (status.isDirectory()) {
                collectParquetFiles(status.getPath(), files);
            } else if (name.endsWith(".parquet")) {
                files.add(status.getPath());
            }
        }
    }

    /** A path in the one spelling the archive's file system gives it, so that the ledger's paths and listed paths compare. */
    public String qualified(Path path) {
        try {
            return fs().makeQualified(path).toString();
        } catch (IllegalArgumentException otherFileSystem) {
            return path.toString();
        }
    }

    /**
     * Rewrites a file keeping only the records {@code keep} accepts (same schema, same settings), through
     * a staged file so the old version stays in place until the new one is complete.
     */
    public WrittenFile rewrite(Path file, Predicate<GenericRecord> keep) throws IOException {
        Schema schema;
        try (ParquetReader<GenericRecord> reader = reader(file)) {
            GenericRecord first = reader.read();
            schema = first == null ? null : first.getSchema();
        }
        if (schema == null) {
            return describe(file); // empty file: nothing to drop
        }
        try (StagedFile<GenericRecord> staged = stage(file, schema);
                ParquetReader<GenericRecord> reader = reader(file)) {
            for (GenericRecord record; (record = reader.read()) != null; ) {
                if (keep.test(record)) {
                    staged.write(record);
                }
            }
            return staged.commit();
        }
    }

    public ParquetReader<GenericRecord> reader(Path file) throws IOException {
        return AvroParquetReader.<GenericRecord>builder(HadoopInputFile.fromPath(file, conf))
                .withDataModel(GenericData.get())
                .withConf(conf)
                .build();
    }

    /** Creates a directory and its missing parents, each owner and group only (mkdirs alone leaves parents at the umask). */
    private void mkdirs(Path dir) throws IOException {
        if (fs().exists(dir)) {
            return;
        }
        if (dir.getParent() != null) {
            mkdirs(dir.getParent());
        }
        if (!fs().mkdirs(dir, DIR_PERMISSION) && !fs().exists(dir)) {
            throw new IOException("Cannot create directory " + dir);
        }
        fs().setPermission(dir, DIR_PERMISSION);
    }

    private void publish(Path temporary, Path target) throws IOException {
        sync(temporary);
        // POSIX rename(2) replaces the target atomically on a local file system (and HDFS renames
        // into a missing target atomically); an object store has no atomic rename at all.
        if (!fs().rename(temporary, target)) {
            if (!fs().exists(target) || !fs().delete(target, false) || !fs().rename(temporary, target)) {
                throw new IOException("Cannot rename " + temporary + " to " + target);
            }
        }
        sync(target.getParent());
        fs().setPermission(target, FILE_PERMISSION);
    }

    /** fsync on a local file system, so a file recorded in the ledger survives a power cut. */
    private void sync(Path path) throws IOException {
        if (local) {
            try (FileChannel channel = FileChannel.open(Paths.get(path.toUri()), StandardOpenOption.READ)) {
                channel.force(true);
            }
        }
    }

    /** A Parquet file being written under a temporary name; closing it without commit deletes it. */
    public class StagedFile<T> implements Closeable {

        private final Path temporary;
        private final Path target;
        /** Digests and counts the bytes as they are written: the file is not read again for its checksum. */
        private final DigestingOutputFile output;

        private final ParquetWriter<T> writer;
        private long rows;
        private boolean done;

        private StagedFile(Path temporary, Path target, DigestingOutputFile output, ParquetWriter<T> writer) {
            this.temporary = temporary;
            this.target = target;
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
         * Closes the file, reads its footer back and checks it against the rows written, checks its length
         * against the bytes written, and renames it into place. Its SHA-256 is that of the bytes written.
         */
        public WrittenFile commit() throws IOException {
            done = true;
            writer.close();
            long footerRows = footerRows(temporary);
            if (footerRows != rows) {
                throw new IOException("Parquet footer of " + temporary + " counts " + footerRows + " rows, " + rows
                        + " were written");
            }
            long length = fs().getFileStatus(temporary).getLen();
            if (length != output.bytes()) {
                throw new IOException(temporary + " holds " + length + " bytes, " + output.bytes() + " were written");
            }
            publish(temporary, target);
            return new WrittenFile(target.toString(), footerRows, length, output.sha256());
        }

        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                try {
                    writer.close();
                } finally {
                    fs().delete(temporary, false);
                }
            }
        }
    }
}
