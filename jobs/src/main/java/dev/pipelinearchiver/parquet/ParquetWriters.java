package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.source.CopyRows;
import java.io.IOException;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * The archive's Parquet writer settings (codec, row group and page sizes, page buffers) and its
 * per-column encoding policy: which columns get a dictionary and which keep min/max statistics.
 */
final class ParquetWriters {

    private final ArchiverProperties.Parquet settings;
    private final OffHeapBuffers buffers;
    private final Configuration conf;
    /** ZSTD pages' compression (null for another codec). */
    private final ZstdPages zstd;

    ParquetWriters(ArchiverProperties.Parquet settings, OffHeapBuffers buffers) {
        this.settings = settings;
        this.buffers = buffers;
        this.conf = new Configuration(false);
        this.zstd = CompressionCodecName.ZSTD.name().equals(settings.compression())
                ? new ZstdPages(
                        settings.compressionLevel(),
                        settings.zstdWindowLog(),
                        settings.zstdHashLog(),
                        settings.pageBytes())
                : null;
    }

    /** The Hadoop configuration Parquet's readers and writers are given (empty: no default resources parsed). */
    Configuration conf() {
        return conf;
    }

    /** A writer of a table's rows straight from a binary COPY's current row. */
    ParquetWriter<CopyRows> rows(OutputFile output, AvroMapping mapping) throws IOException {
        return configure(new RowWriterBuilder(output, new RowWriteSupport(mapping)), mapping.schema())
                .build();
    }

    /** The archive's writer settings, whichever object model writes the records. */
    <B extends ParquetWriter.Builder<?, B>> B configure(B builder, Schema schema) {
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
}
