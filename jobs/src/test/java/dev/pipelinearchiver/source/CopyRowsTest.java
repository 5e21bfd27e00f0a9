package dev.pipelinearchiver.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.support.ArchiveTestSupport;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyOut;

/**
 * {@link CopyRows} reads PostgreSQL's binary COPY stream whatever its framing: the server sends a row
 * per message, but the format does not promise it, so the same bytes cut anywhere read the same rows.
 */
class CopyRowsTest extends ArchiveTestSupport {

    private static final String COPY = """
            COPY (SELECT i, CASE WHEN i % 3 = 0 THEN NULL ELSE repeat('ü', i * 7) END, i::bigint * 1000000007, i % 2 = 0
                  FROM generate_series(1, 200) i) TO STDOUT (FORMAT binary)""";

    @Test
    void readsTheSameRowsFromAnyFramingOfTheStream() throws Exception {
        byte[] stream;
        List<String> fromServer;
        try (Connection con = DB.connect()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            con.unwrap(PGConnection.class).getCopyAPI().copyOut(COPY, bytes);
            stream = bytes.toByteArray();
            try (CopyRows rows = CopyRows.start(con, COPY, 4)) {
                fromServer = read(rows);
            }
        }
        assertThat(fromServer).hasSize(200);
        assertThat(fromServer.subList(1, 3)).containsExactly("2|14|2000000014|true", "3|null|3000000021|false");

        Random random = new Random(7);
        for (int chunk : new int[] {1, 2, 7, 19, 1000, stream.length}) {
            assertThat(read(new CopyRows(new SplitCopy(stream, size -> chunk), 4)))
                    .as("chunks of " + chunk)
                    .isEqualTo(fromServer);
        }
        assertThat(read(new CopyRows(new SplitCopy(stream, size -> 1 + random.nextInt(300)), 4)))
                .isEqualTo(fromServer);
    }

    @Test
    void aStreamWithoutItsTrailerOrWithOtherFieldsFailsLoudly() throws Exception {
        byte[] stream;
        try (Connection con = DB.connect()) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            con.unwrap(PGConnection.class).getCopyAPI().copyOut(COPY, bytes);
            stream = bytes.toByteArray();
        }
        byte[] truncated = Arrays.copyOf(stream, stream.length - 2); // the trailer is the last two bytes
        assertThatThrownBy(() -> read(new CopyRows(new SplitCopy(truncated, size -> 100), 4)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("without its trailer");
        assertThatThrownBy(() -> read(new CopyRows(new SplitCopy(stream, size -> 100), 5)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("has 4 fields, 5 were selected");
        byte[] notCopy = stream.clone();
        notCopy[0] = 'X';
        assertThatThrownBy(() -> read(new CopyRows(new SplitCopy(notCopy, size -> 100), 4)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("signature");
    }

    /** Each row as its fields decoded, joined by |: int, text (or null), bigint, boolean. */
    private static List<String> read(CopyRows rows) throws SQLException {
        List<String> read = new ArrayList<>();
        while (rows.next()) {
            String text = rows.isNull(1)
                    ? "null"
                    : new String(rows.buffer(), rows.offset(1), rows.length(1), StandardCharsets.UTF_8);
            if (!rows.isNull(1)) {
                assertThat(text).isEqualTo("ü".repeat((int) rows.integer(0) * 7));
            }
            read.add(rows.integer(0) + "|" + (rows.isNull(1) ? "null" : text.length()) + "|" + rows.int64(2, "bigint")
                    + "|" + (rows.buffer()[rows.offset(3)] != 0)); // a boolean is one byte
        }
        return read;
    }

    /** The bytes of a COPY handed out in messages of the sizes given, as the driver hands out CopyData messages. */
    private static final class SplitCopy implements CopyOut {

        private final byte[] stream;
        private final IntUnaryOperator sizes;
        private int position;

        SplitCopy(byte[] stream, IntUnaryOperator sizes) {
            this.stream = stream;
            this.sizes = sizes;
        }

        @Override
        public byte[] readFromCopy() {
            if (position >= stream.length) {
                return null;
            }
            int size = Math.min(sizes.applyAsInt(position), stream.length - position);
            byte[] message = Arrays.copyOfRange(stream, position, position + size);
            position += size;
            return message;
        }

        @Override
        public byte[] readFromCopy(boolean block) {
            return readFromCopy();
        }

        @Override
        public long getHandledRowCount() {
            return 200;
        }

        @Override
        public boolean isActive() {
            return position < stream.length;
        }

        @Override
        public void cancelCopy() {
            position = stream.length;
        }

        @Override
        public int getFieldCount() {
            return 4;
        }

        @Override
        public int getFormat() {
            return 1;
        }

        @Override
        public int getFieldFormat(int field) {
            return 1;
        }
    }
}
