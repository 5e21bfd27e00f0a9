package dev.pipelinearchiver.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * A real S3-protocol server on 127.0.0.1: s3proxy (Maven's copy in target/s3proxy, see jobs/pom.xml)
 * run as a process with a file-system backend (jclouds' filesystem-nio2), so that a bucket is a directory and its objects are
 * plain files that DuckDB reads back. Static credentials; the tests' JVM gets them as the SDK's
 * standard system properties.
 */
public final class S3Server {

    public static final String ACCESS_KEY = "archiver-test-access";
    public static final String SECRET_KEY = "archiver-test-secret";

    private static S3Server shared;

    private final Path basedir;
    private final int port;
    private Process process;

    private S3Server(Path basedir, int port) {
        this.basedir = basedir;
        this.port = port;
    }

    /**
     * The server of the test run, started on first use, its credentials and endpoint set as system
     * properties ({@code aws.accessKeyId}, {@code aws.secretAccessKey}, {@code test.s3-endpoint}).
     */
    public static synchronized S3Server shared() {
        if (shared == null) {
            shared = start(ArchiveTestSupport.BUCKETS);
            System.setProperty("aws.accessKeyId", ACCESS_KEY);
            System.setProperty("aws.secretAccessKey", SECRET_KEY);
            System.setProperty("test.s3-endpoint", shared.endpoint());
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop));
        }
        return shared;
    }

    /** A server of its own over a directory of buckets (each bucket a subdirectory). */
    public static S3Server start(Path basedir) {
        S3Server server = new S3Server(basedir, freePort());
        server.start();
        return server;
    }

    public String endpoint() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The directory holding a bucket's objects as files (created: s3proxy's buckets are directories). */
    public Path bucket(String name) {
        Path dir = basedir.resolve(name);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    /**
     * Removes what a client killed in the middle of a PUT leaves behind here and S3 never does: the
     * filesystem-nio2 backend writes an object to {@code <key>-<uuid>} and renames it when the body is complete;
     * a body cut short can leave that file behind, half-described, and every later listing of the bucket then
     * fails with HTTP 500 ("Unable to get size of extended attribute 'user.content-md5'", gaul/s3proxy#963). Call once the killed process is gone.
     */
    public void discardInterruptedPuts() {
        try {
            Thread.sleep(500); // the server notices the dropped connection and gives up on the body
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        discardInterruptedPuts(basedir);
    }

    // by hand, not Files.walk: other processes' uploads rename files here meanwhile, which a walk fails on
    private static void discardInterruptedPuts(Path dir) {
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path entry : entries) {
                if (Files.isDirectory(entry, LinkOption.NOFOLLOW_LINKS)) {
                    discardInterruptedPuts(entry);
                } else if (INTERRUPTED_PUT
                        .matcher(entry.getFileName().toString())
                        .matches()) {
                    // no key of the archive ends in a UUID; a live PUT of another process caught here fails
                    // and the SDK sends it again
                    Files.deleteIfExists(entry);
                }
            }
        } catch (NoSuchFileException gone) {
            // a directory removed meanwhile holds nothing to discard
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final Pattern INTERRUPTED_PUT =
            Pattern.compile(".+-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    /** The environment a process of the jar needs to reach this server (the AWS SDK's standard variables). */
    public Map<String, String> environment() {
        return Map.of(
                "AWS_ACCESS_KEY_ID",
                ACCESS_KEY,
                "AWS_SECRET_ACCESS_KEY",
                SECRET_KEY,
                "AWS_ENDPOINT_URL_S3",
                endpoint(),
                "AWS_REGION",
                "us-east-1");
    }

    /** A client of this server as the tests' own reader (listing uploads, checking objects). */
    public S3Client client() {
        return S3Client.builder()
                .endpointOverride(URI.create(endpoint()))
                .region(Region.US_EAST_1)
                .forcePathStyle(true)
                .credentialsProvider(
                        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(UrlConnectionHttpClient.builder())
                .build();
    }

    /** (Re)starts the server on its port and waits until it accepts connections. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        try {
            Files.createDirectories(basedir);
            Path properties = Files.createTempFile("s3proxy", ".properties");
            Files.writeString(
                    properties,
                    String.join(
                            "\n",
                            "s3proxy.endpoint=http://127.0.0.1:" + port,
                            "s3proxy.authorization=aws-v2-or-v4",
                            "s3proxy.identity=" + ACCESS_KEY,
                            "s3proxy.credential=" + SECRET_KEY,
                            // the nio2 provider: plain files, and multipart uploads that can be listed
                            "jclouds.provider=filesystem-nio2",
                            "jclouds.identity=" + ACCESS_KEY,
                            "jclouds.credential=" + SECRET_KEY,
                            "jclouds.filesystem.basedir=" + basedir,
                            ""),
                    StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(
                    Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                    "-Xmx256m",
                    "-jar",
                    jar().toString(),
                    "--properties",
                    properties.toString()));
            Path log = Files.createTempFile("s3proxy", ".log");
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!accepts()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("s3proxy did not start: " + Files.readString(log));
                }
                Thread.sleep(100);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Stops the server at once (SIGKILL), as a crashed or unreachable store. */
    public synchronized void stop() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean accepts() {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Path jar() {
        String configured = System.getProperty("s3proxy.jar");
        Path jar = Path.of(configured == null ? "target/s3proxy/s3proxy.jar" : configured);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("s3proxy's jar " + jar + " is missing: the build copies it (mvn verify)");
        }
        return jar;
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
