package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.ArchiverProperties;
import dev.pipelinearchiver.source.CopyRows;
import java.io.IOException;
import org.apache.avro.Schema;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.avro.AvroWriteSupport;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;

/**
 * The archive's Parquet writer settings (codec, row group and page sizes, page buffers), with each column's
 * dictionary and statistics as its codec's {@link ColumnEncoding} says.
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
        // lists in the three-level form every engine reads (LIST { repeated group list { element } })
        conf.setBoolean(AvroWriteSupport.WRITE_OLD_LIST_STRUCTURE, false);
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
            ColumnEncoding encoding = ColumnEncoding.of(field); // the column's codec decides (ColumnEncoding)
            String column = columnPath(field);
            if (encoding != ColumnEncoding.DICTIONARY) {
                builder.withDictionaryEncoding(column, false);
            }
            if (encoding == ColumnEncoding.PAYLOAD) {
                builder.withStatisticsEnabled(column, false);
            }
        }
        return builder;
    }

    /** The dotted path of a field's Parquet column: a list's values are in {@code <field>.list.element}. */
    private static String columnPath(Schema.Field field) {
        Schema schema = field.schema();
        boolean list = schema.getType() == Schema.Type.ARRAY
                || (schema.isUnion() && schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.ARRAY));
        return list ? field.name() + ".list.element" : field.name();
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
}
