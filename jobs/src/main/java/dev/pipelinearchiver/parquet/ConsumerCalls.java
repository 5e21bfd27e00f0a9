package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import dev.pipelinearchiver.source.SourceColumn;
import java.sql.SQLException;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * The record consumer's calls of {@link ColumnCodec#write}, each returning true so that the codec's switch is
 * an expression (which the compiler checks covers every codec).
 */
final class ConsumerCalls {

    private ConsumerCalls() {}

    static boolean addList(CopyRows row, int field, RecordConsumer out, SourceColumn column) throws SQLException {
        PgArrays.write(row, field, PgArrays.element(column.typeName()), out);
        return true;
    }

    static boolean addInt(RecordConsumer out, int value) {
        out.addInteger(value);
        return true;
    }

    static boolean addLong(RecordConsumer out, long value) {
        out.addLong(value);
        return true;
    }

    static boolean addFloat(RecordConsumer out, float value) {
        out.addFloat(value);
        return true;
    }

    static boolean addDouble(RecordConsumer out, double value) {
        out.addDouble(value);
        return true;
    }

    static boolean addBoolean(RecordConsumer out, boolean value) {
        out.addBoolean(value);
        return true;
    }

    static boolean addBinary(RecordConsumer out, Binary value) {
        out.addBinary(value);
        return true;
    }
}
