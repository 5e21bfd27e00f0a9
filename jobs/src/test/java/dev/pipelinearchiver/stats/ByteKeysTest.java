package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ByteKeysTest {

    @Test
    void findsEachKeyBySliceOfALargerArrayThroughGrowth() {
        ByteKeys<String> keys = new ByteKeys<>();
        for (int i = 0; i < 200; i++) {
            byte[] row = ("xx" + "name_" + i + "yy").getBytes(StandardCharsets.UTF_8);
            int length = row.length - 4;
            assertThat(keys.get(row, 2, length)).isNull();
            keys.put(row, 2, length, "v" + i);
            row[2] = 'N'; // the table kept a copy: the row's bytes may be reused
        }
        for (int i = 0; i < 200; i++) {
            byte[] row = ("__name_" + i).getBytes(StandardCharsets.UTF_8);
            assertThat(keys.get(row, 2, row.length - 2)).isEqualTo("v" + i);
        }
        byte[] other = "name_1".getBytes(StandardCharsets.UTF_8);
        assertThat(keys.get(other, 0, 5)).isNull(); // "name_", a prefix of keys, is not a key
        assertThat(keys.get(other, 0, 0)).isNull();
    }
}
