package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.MessageDigest;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The archive's SHA-256: the same bytes as the JDK's, and native where the jar carries the library. */
class Sha256Test {

    @Test
    void digestsAsTheJdkDoesWhateverTheSizesOfTheUpdates() throws Exception {
        Random random = new Random(20260601);
        // empty, one byte, around SHA-256's 64-byte block and its padding boundary, a read buffer and more, > 1 MB
        for (int size : new int[] {0, 1, 55, 56, 63, 64, 65, 1000, (1 << 16) + 7, 3_000_001}) {
            byte[] data = new byte[size];
            random.nextBytes(data);
            MessageDigest ours = Sha256.newDigest();
            for (int at = 0; at < size; ) {
                int piece = Math.min(size - at, random.nextInt(Math.max(size / 4, 2) + 1)); // 0 bytes to a quarter
                if (piece == 1) {
                    ours.update(data[at]);
                } else {
                    ours.update(data, at, piece);
                }
                at += piece;
            }
            byte[] expected = MessageDigest.getInstance("SHA-256", "SUN").digest(data);
            assertThat(ours.digest()).as("SHA-256 of %,d bytes", size).isEqualTo(expected);
        }
    }

    @Test
    void isTheNativeOneOnLinuxX8664() {
        assumeTrue(
                Set.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the jar carries ACCP's library for x86_64 only");
        assertThat(Sha256.newDigest().getProvider().getName())
                .as(
                        "the Amazon Corretto Crypto Provider's native library did not load: %s",
                        AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError())
                .isEqualTo(AmazonCorrettoCryptoProvider.PROVIDER_NAME);
    }
}
