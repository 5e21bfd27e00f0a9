package dev.pipelinearchiver.parquet;

import dev.pipelinearchiver.source.CopyRows;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.util.Utf8;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;

/**
 * PostgreSQL arrays of elements with a Parquet type (numbers, booleans, text) as native three-level Parquet
 * LISTs ({@code <field> (LIST) { repeated group list { optional <element> element } }}): decoded from the
 * array's binary send format (ndim, has-nulls flag, element type, then per dimension its size and lower bound,
 * then each element as length and bytes, -1 for NULL). A LIST has one dimension counted from 1: an array of
 * several dimensions, or other bounds, fails ({@link UnfitArray}); archiver.source.arrays-as-text keeps such a
 * column as text.
 */
final class PgArrays {

    private static final VarHandle INT32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INT16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    /** The element types an array of which is archived as a LIST. */
    enum Element {
        INT2(Schema.Type.INT),
        INT4(Schema.Type.INT),
        INT8(Schema.Type.LONG),
        FLOAT4(Schema.Type.FLOAT),
        FLOAT8(Schema.Type.DOUBLE),
        BOOL(Schema.Type.BOOLEAN),
        TEXT(Schema.Type.STRING);

        final Schema.Type avro;

        Element(Schema.Type avro) {
            this.avro = avro;
        }
    }

    private PgArrays() {}

    /** The element of an array type ({@code _int4}, …), or null when its arrays stay text. */
    static Element element(String arrayType) {
        return switch (arrayType) {
            case "_int2" -> Element.INT2;
            case "_int4" -> Element.INT4;
            case "_int8" -> Element.INT8;
            case "_float4" -> Element.FLOAT4;
            case "_float8" -> Element.FLOAT8;
            case "_bool" -> Element.BOOL;
            case "_text", "_varchar", "_bpchar" -> Element.TEXT;
            default -> null;
        };
    }

    /** The Avro type of the column's values: an array of optional elements. */
    static Schema schema(Element element) {
        return Schema.createArray(Schema.createUnion(Schema.create(Schema.Type.NULL), Schema.create(element.avro)));
    }

    /** Writes the non-NULL array field as parquet-avro writes its list (three-level form). */
    static void write(CopyRows row, int field, Element element, RecordConsumer out) throws SQLException {
        byte[] b = row.buffer();
        int count = count(row, field);
        out.startGroup();
        if (count > 0) {
            out.startField("list", 0);
            for (int i = 0, p = row.offset(field) + 20; i < count; i++) {
                int length = (int) INT32.get(b, p);
                out.startGroup();
                if (length >= 0) {
                    out.startField("element", 0);
                    switch (element) {
                        case INT2 -> out.addInteger((short) INT16.get(b, p + 4));
                        case INT4 -> out.addInteger((int) INT32.get(b, p + 4));
                        case INT8 -> out.addLong((long) INT64.get(b, p + 4));
                        case FLOAT4 -> out.addFloat(Float.intBitsToFloat((int) INT32.get(b, p + 4)));
                        case FLOAT8 -> out.addDouble(Double.longBitsToDouble((long) INT64.get(b, p + 4)));
                        case BOOL -> out.addBoolean(b[p + 4] != 0);
                        case TEXT -> out.addBinary(Binary.fromReusedByteArray(b, p + 4, length));
                    }
                    out.endField("element", 0);
                }
                out.endGroup();
                p += 4 + Math.max(length, 0);
            }
            out.endField("list", 0);
        }
        out.endGroup();
    }

    /** The list an Avro record holds for the non-NULL array field (text as {@link Utf8}). */
    static List<Object> value(CopyRows row, int field, Element element) throws SQLException {
        byte[] b = row.buffer();
        int count = count(row, field);
        List<Object> values = new ArrayList<>(count);
        for (int i = 0, p = row.offset(field) + 20; i < count; i++) {
            int length = (int) INT32.get(b, p);
            values.add(
                    length < 0
                            ? null
                            : switch (element) {
                                case INT2 -> (int) (short) INT16.get(b, p + 4);
                                case INT4 -> (int) INT32.get(b, p + 4);
                                case INT8 -> (long) INT64.get(b, p + 4);
                                case FLOAT4 -> Float.intBitsToFloat((int) INT32.get(b, p + 4));
                                case FLOAT8 -> Double.longBitsToDouble((long) INT64.get(b, p + 4));
                                case BOOL -> b[p + 4] != 0;
                                case TEXT -> new Utf8(java.util.Arrays.copyOfRange(b, p + 4, p + 4 + length));
                            });
            p += 4 + Math.max(length, 0);
        }
        return values;
    }

    /**
     * An archived list as PostgreSQL's array literal ({@code {1,NULL,"a \"b\""}}), which restore casts to the
     * column's type: numbers in Java's shortest exact form (NaN and ±Infinity as PostgreSQL spells them).
     */
    static String literal(List<?> values) {
        StringBuilder text = new StringBuilder("{");
        for (Object value : values) {
            if (text.length() > 1) {
                text.append(',');
            }
            if (value == null) {
                text.append("NULL");
            } else if (value instanceof Boolean bool) {
                text.append(bool ? 't' : 'f');
            } else if (value instanceof Number number) {
                text.append(number);
            } else {
                text.append('"');
                value.toString().chars().forEach(c -> {
                    if (c == '"' || c == '\\') {
                        text.append('\\');
                    }
                    text.append((char) c);
                });
                text.append('"');
            }
        }
        return text.append('}').toString();
    }

    /**
     * A one-dimensional array's text form as PostgreSQL writes it ({@code {1,NULL,"b c"}}, elements quoted when
     * needed, with backslash escapes) as the list of its elements: how version 1 files held arrays. Other
     * shapes ({@code {{1},{2}}}, {@code [0:1]={1,2}}) fail.
     */
    static List<Object> parse(String text, Element element) {
        if (!text.startsWith("{") || !text.endsWith("}") || text.startsWith("{{")) {
            throw new IllegalArgumentException("The array " + abbreviated(text) + " is not one-dimensional from 1");
        }
        List<Object> values = new ArrayList<>();
        int i = 1;
        int end = text.length() - 1;
        while (i < end) {
            StringBuilder item = new StringBuilder();
            boolean quoted = text.charAt(i) == '"';
            if (quoted) {
                for (i++; text.charAt(i) != '"'; i++) {
                    item.append(text.charAt(i) == '\\' ? text.charAt(++i) : text.charAt(i));
                }
                i++;
            } else {
                for (; i < end && text.charAt(i) != ','; i++) {
                    item.append(text.charAt(i));
                }
            }
            String value = item.toString();
            values.add(!quoted && value.equals("NULL") ? null : element(value, element));
            i++; // the comma
        }
        return values;
    }

    private static Object element(String text, Element element) {
        return switch (element) {
            case INT2, INT4 -> Integer.parseInt(text);
            case INT8 -> Long.parseLong(text);
            case FLOAT4 -> Float.parseFloat(text);
            case FLOAT8 -> Double.parseDouble(text);
            case BOOL -> text.equals("t");
            case TEXT -> new Utf8(text);
        };
    }

    private static String abbreviated(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    /** An array value a LIST cannot hold: the export names its column and the setting that archives it as text. */
    static final class UnfitArray extends SQLException {
        UnfitArray(String shape) {
            super(shape);
        }
    }

    /** The elements of a one-dimensional array counted from 1 (0 for an empty one); any other shape fails. */
    private static int count(CopyRows row, int field) throws SQLException {
        byte[] b = row.buffer();
        int o = row.offset(field);
        int dimensions = row.length(field) >= 12 ? (int) INT32.get(b, o) : -1;
        if (dimensions == 0) {
            return 0;
        }
        if (dimensions != 1 || row.length(field) < 20) {
            throw new UnfitArray("an array of " + dimensions + " dimensions");
        }
        int lowerBound = (int) INT32.get(b, o + 16);
        if (lowerBound != 1) {
            throw new UnfitArray("an array counted from " + lowerBound);
        }
        return (int) INT32.get(b, o + 12);
    }
}
