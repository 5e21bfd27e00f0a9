package dev.pipelinearchiver.interop;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.DecimalLogicalTypeAnnotation;
import org.apache.parquet.schema.LogicalTypeAnnotation.TimestampLogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * A dataset read by parquet-java's own example object model (no Avro, no engine): every value decoded from
 * its physical type and logical-type annotation alone, as the Parquet format defines them.
 */
final class ParquetJavaRows {

    private ParquetJavaRows() {}

    static List<Path> files(Path dataset) throws IOException {
        try (Stream<Path> files = Files.walk(dataset)) {
            return files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
    }

    /** Every row of every file of the dataset, ordered by {@code id}. */
    static List<Map<String, Object>> read(Path dataset) throws IOException {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Path file : files(dataset)) {
            var input = HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toUri()), new Configuration());
            try (ParquetReader<Group> reader = ParquetReader.builder(new GroupReadSupport(), input.getPath())
                    .build()) {
                for (Group group = reader.read(); group != null; group = reader.read()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    GroupType type = group.getType();
                    for (int i = 0; i < type.getFieldCount(); i++) {
                        row.put(type.getFieldName(i), field(group, i));
                    }
                    rows.add(row);
                }
            }
        }
        rows.sort(Comparator.comparing(row -> (Long) row.get("id")));
        return rows;
    }

    private static Object field(Group group, int index) {
        Type type = group.getType().getType(index);
        int count = group.getFieldRepetitionCount(index);
        if (type.isRepetition(Type.Repetition.REPEATED)) {
            List<Object> elements = new ArrayList<>(); // the two-level list form: the repeated field is the element
            for (int i = 0; i < count; i++) {
                elements.add(value(group, index, i, type));
            }
            return Values.arrayText(elements);
        }
        return count == 0 ? null : Values.canonical(value(group, index, 0, type));
    }

    private static Object value(Group group, int index, int position, Type type) {
        if (!type.isPrimitive()) {
            Group nested = group.getGroup(index, position);
            if (type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation) {
                return list(nested);
            }
            throw new IllegalStateException("unexpected group column " + type);
        }
        PrimitiveType primitive = type.asPrimitiveType();
        LogicalTypeAnnotation logical = primitive.getLogicalTypeAnnotation();
        return switch (primitive.getPrimitiveTypeName()) {
            case BOOLEAN -> group.getBoolean(index, position);
            case FLOAT -> group.getFloat(index, position);
            case DOUBLE -> group.getDouble(index, position);
            case INT32 -> {
                int v = group.getInteger(index, position);
                if (logical instanceof LogicalTypeAnnotation.DateLogicalTypeAnnotation) {
                    yield LocalDate.ofEpochDay(v);
                }
                yield logical instanceof DecimalLogicalTypeAnnotation d ? BigDecimal.valueOf(v, d.getScale()) : v;
            }
            case INT64 -> {
                long v = group.getLong(index, position);
                if (logical instanceof TimestampLogicalTypeAnnotation t) {
                    ChronoUnit unit = switch (t.getUnit()) {
                        case MILLIS -> ChronoUnit.MILLIS;
                        case MICROS -> ChronoUnit.MICROS;
                        case NANOS -> ChronoUnit.NANOS;
                    };
                    Instant instant = Instant.EPOCH.plus(v, unit);
                    // without isAdjustedToUTC, the wall time of a timestamp without time zone: canonical in UTC too
                    yield t.isAdjustedToUTC()
                            ? instant
                            : instant.atOffset(ZoneOffset.UTC).toLocalDateTime();
                }
                yield logical instanceof DecimalLogicalTypeAnnotation d ? BigDecimal.valueOf(v, d.getScale()) : v;
            }
            case BINARY, FIXED_LEN_BYTE_ARRAY -> binary(group.getBinary(index, position), logical);
            default -> throw new IllegalStateException("unexpected physical type " + primitive);
        };
    }

    private static Object binary(Binary binary, LogicalTypeAnnotation logical) {
        if (logical instanceof DecimalLogicalTypeAnnotation d) {
            return new BigDecimal(new BigInteger(binary.getBytes()), d.getScale());
        }
        if (logical instanceof LogicalTypeAnnotation.UUIDLogicalTypeAnnotation) {
            ByteBuffer bytes = binary.toByteBuffer();
            return new UUID(bytes.getLong(), bytes.getLong());
        }
        if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation) {
            return binary.toStringUsingUTF8();
        }
        if (logical == null) {
            return binary.getBytes();
        }
        throw new IllegalStateException("unexpected binary annotation " + logical);
    }

    /** A LIST: {@code group (LIST) { repeated group list { element } }}, or the older two-level form. */
    private static List<Object> list(Group list) {
        List<Object> elements = new ArrayList<>();
        int repeated = list.getFieldRepetitionCount(0);
        Type entry = list.getType().getType(0);
        for (int i = 0; i < repeated; i++) {
            if (entry.isPrimitive()) {
                elements.add(value(list, 0, i, entry));
                continue;
            }
            Group wrapper = list.getGroup(0, i);
            Type element = wrapper.getType().getType(0);
            elements.add(
                    wrapper.getFieldRepetitionCount(0) == 0 ? null : Values.canonical(value(wrapper, 0, 0, element)));
        }
        return elements;
    }
}
