package dev.pipelinearchiver.parquet;

import com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.Provider;
import java.security.Security;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * New SHA-256 digests for the archive's files: native ones from the Amazon Corretto Crypto Provider
 * (ACCP) where its library loads, else the JDK's. The job runs C1 only ({@code config/jvm.options}),
 * and C1 does not intrinsify SHA-256, so the JDK's digest runs as plain Java: 2.07 CPU-seconds for a
 * launch's 368 MB of Parquet, ~8 % of the job's CPU; ACCP's takes 0.19 s (plus ~0.13 s to load).
 * ACCP is not installed as a JCA provider: {@link #preferForAll} adds its SHA-256 alone, ahead of the
 * JDK's, so that other code asking for SHA-256 by name (the AWS SDK's SigV4 payload hash) gets it too.
 */
public final class Sha256 {

    private static final Logger log = LoggerFactory.getLogger(Sha256.class);

    /** Decided once per JVM; null means the JDK's. */
    private static final Provider NATIVE = nativeProvider();

    private Sha256() {}

    /**
     * Makes {@code MessageDigest.getInstance("SHA-256")} anywhere in this JVM return ACCP's digest (where its
     * library loaded). On an s3:// root over http the AWS SDK hashes every payload for SigV4 that way: as the
     * JDK's digest under C1 that is ~2 CPU-s per 373 MB. Only this one algorithm is registered (a provider of
     * its own at the first position): TLS, random numbers, ciphers and MACs keep the JDK's providers. Call
     * before the first S3 request (digests the SDK made before keep the JDK's); idempotent.
     */
    public static synchronized void preferForAll() {
        if (NATIVE != null && Security.getProvider(NativeSha256Only.NAME) == null) {
            Security.insertProviderAt(new NativeSha256Only(NATIVE), 1);
        }
    }

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

    /** A provider of one service, SHA-256, whose digests are ACCP's. */
    private static final class NativeSha256Only extends Provider {

        static final String NAME = "PipelineArchiverSha256";

        NativeSha256Only(Provider accp) {
            super(NAME, "1", "SHA-256 of the Amazon Corretto Crypto Provider, no other algorithm");
            Provider.Service sha256 = accp.getService("MessageDigest", "SHA-256");
            putService(
                    new Provider.Service(
                            this,
                            "MessageDigest",
                            "SHA-256",
                            sha256.getClassName(),
                            List.of("SHA256", "2.16.840.1.101.3.4.2.1", "OID.2.16.840.1.101.3.4.2.1"),
                            null) {
                        @Override
                        public Object newInstance(Object parameter) throws NoSuchAlgorithmException {
                            return MessageDigest.getInstance("SHA-256", accp);
                        }
                    });
        }
    }
}
