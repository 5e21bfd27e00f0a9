package dev.pipelinearchiver.parquet;

import org.apache.avro.Schema;

/**
 * What the Parquet writer keeps for a column of a {@link ColumnCodec}. Numbers and timestamps go without a
 * dictionary: zstd compresses their plain encoding as well, and hashing every value into an int/long
 * dictionary cost ~8 % of the export's CPU.
 */
enum ColumnEncoding {
    /** Plain values, with min/max statistics. */
    PLAIN,
    /** Few distinct values (short text): a dictionary shrinks them; statistics kept. */
    DICTIONARY,
    /**
     * Unbounded values nearly all distinct (payloads, messages): neither a dictionary, which only costs
     * hashing every value until the writer gives up on it (a quarter of the export's CPU on JSON payloads),
     * nor min/max statistics, which prune nothing and copied nearly every value (a payload's prefix grows
     * with run_id: 4.8 % of the export's allocations).
     */
    PAYLOAD;

    /** The encoding of a field of an archive file: its codec's ({@link ColumnCodec#archived}), else PLAIN. */
    static ColumnEncoding of(Schema.Field field) {
        ColumnCodec codec = ColumnCodec.archived(field);
        return codec == null ? PLAIN : codec.encoding();
    }
}
