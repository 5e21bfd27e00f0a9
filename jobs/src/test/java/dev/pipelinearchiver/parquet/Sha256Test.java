package dev.pipelinearchiver.parquet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Random;
import java.util.Set;
import javax.crypto.Cipher;
import javax.crypto.Mac;
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

    @Test
    void preferredForAllGivesEveryoneTheNativeSha256AndNothingElse() throws Exception {
        assumeTrue(
                Set.of("amd64", "x86_64").contains(System.getProperty("os.arch")),
                "the jar carries ACCP's library for x86_64 only");
        // given the job's preference installed (twice: idempotent)
        Sha256.preferForAll();
        Sha256.preferForAll();

        // when code that knows nothing of ACCP asks for SHA-256 by name, as the AWS SDK's signer does
        byte[] data = new byte[1_000_003];
        new Random(20261207).nextBytes(data);
        MessageDigest byName = MessageDigest.getInstance("SHA-256");

        // then it gets ACCP's digest, with the JDK's result, and every other algorithm stays the JDK's
        assertThat(byName.getProvider().getName()).isEqualTo("PipelineArchiverSha256");
        assertThat(byName.getClass().getName()).doesNotContain("sun.security");
        assertThat(byName.digest(data))
                .isEqualTo(MessageDigest.getInstance("SHA-256", "SUN").digest(data));
        assertThat(MessageDigest.getInstance("SHA256").digest(data))
                .isEqualTo(MessageDigest.getInstance("SHA-256", "SUN").digest(data));
        assertThat(java.security.Security.getProviders("MessageDigest.SHA-256")[0].getName())
                .isEqualTo("PipelineArchiverSha256");
        assertThat(java.security.Security.getProviders("MessageDigest.SHA-256")[0].getServices())
                .hasSize(1);
        assertThat(MessageDigest.getInstance("SHA-512").getProvider().getName()).isEqualTo("SUN");
        assertThat(Mac.getInstance("HmacSHA256").getProvider().getName()).isEqualTo("SunJCE");
        assertThat(Cipher.getInstance("AES/GCM/NoPadding").getProvider().getName())
                .isEqualTo("SunJCE");
        assertThat(new SecureRandom().getProvider().getName()).isEqualTo("SUN");
    }
}
