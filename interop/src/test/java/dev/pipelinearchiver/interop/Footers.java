package dev.pipelinearchiver.interop;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/** What a Parquet file's footer says: its row groups with a column's min/max, and how its columns are stored. */
final class Footers {

    /** A row group: its rows, and the int column's statistics (null when the writer kept none). */
    record RowGroup(long rows, Integer min, Integer max) {
        boolean mayHold(int value) {
            return min == null || (min <= value && value <= max);
        }
    }

    private Footers() {}

    static ParquetMetadata footer(Path file) throws IOException {
        var input = HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration());
        try (ParquetFileReader reader = ParquetFileReader.open(input)) {
            return reader.getFooter();
        }
    }

    static List<RowGroup> rowGroups(Path file, String intColumn) throws IOException {
        List<RowGroup> groups = new ArrayList<>();
        for (BlockMetaData block : footer(file).getBlocks()) {
            ColumnChunkMetaData chunk = block.getColumns().stream()
                    .filter(c -> c.getPath().toDotString().equals(intColumn))
                    .findFirst()
                    .orElseThrow();
            Statistics<?> stats = chunk.getStatistics();
            boolean kept = stats != null && stats.hasNonNullValue();
            groups.add(new RowGroup(
                    block.getRowCount(),
                    kept ? (Integer) stats.genericGetMin() : null,
                    kept ? (Integer) stats.genericGetMax() : null));
        }
        return groups;
    }

    /**
     * The columns stored as a DECIMAL on a variable-length BYTE_ARRAY (Avro {@code bytes} + decimal): the layout
     * Spark 4's vectorized reader cannot read (issue 24).
     */
    static List<String> byteArrayDecimals(Path file) throws IOException {
        List<String> columns = new ArrayList<>();
        for (var column : footer(file).getFileMetaData().getSchema().getColumns()) {
            PrimitiveType type = column.getPrimitiveType();
            if (type.getPrimitiveTypeName() == PrimitiveTypeName.BINARY
                    && type.getLogicalTypeAnnotation() instanceof DecimalLogicalTypeAnnotation) {
                columns.add(String.join(".", column.getPath()));
            }
        }
        return columns;
    }
}
