package dev.pipelinearchiver.parquet;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New SHA-256 digests for the archive's files: native ones from the Amazon Corretto Crypto Provider
 * (ACCP) where its library loads, else the JDK's. The job runs C1 only ({@code config/jvm.options}),
 * and C1 does not intrinsify SHA-256, so the JDK's digest runs as plain Java: 2.07 CPU-seconds for a
 * launch's 368 MB of Parquet, ~8 % of the job's CPU; ACCP's takes 0.19 s (plus ~0.13 s to load).
 * ACCP is not installed as a JCA provider: only these digests use it.
 */
public final class Sha256 {

    private static final Logger log = LoggerFactory.getLogger(Sha256.class);

    /** Decided once per JVM; null means the JDK's. */
    private static final Provider NATIVE = nativeProvider();

    private Sha256() {}

    public static MessageDigest newDigest() {
        try {
            return NATIVE != null ? MessageDigest.getInstance("SHA-256", NATIVE) : MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** ACCP if its native library loaded here (the jar carries it for Linux x86_64 only; it is unpacked to java.io.tmpdir). */
    private static Provider nativeProvider() {
        Throwable error;
        try {
            error = Accp.loadingError();
            if (error == null) {
                return Accp.provider();
            }
        } catch (LinkageError | RuntimeException e) {
            error = e;
        }
        log.info(
                "SHA-256 from the JDK: the Amazon Corretto Crypto Provider's native library did not load ({})",
                error.toString()); // one line: not as the exception, which would log its stack trace
        return null;
    }

    /** The only code that names ACCP's classes: linking it can fail, inside nativeProvider's try rather than while Sha256 links. */
    private static final class Accp {

        static Throwable loadingError() {
            return AmazonCorrettoCryptoProvider.INSTANCE.getLoadingError();
        }

        static Provider provider() {
            return AmazonCorrettoCryptoProvider.INSTANCE;
        }
    }
}
