package dev.pipelinearchiver.support;

import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.TestPropertySource;

/**
 * Runs an {@link ArchiveTestSupport} test class against the archive root {@code s3://archive} on the
 * shared real S3 server ({@link S3Server#shared()}) instead of the local directory: a subclass of a
 * local test with this annotation runs every test of it on the object store.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@Inherited
@TestPropertySource(properties = "test.archive-root=s3://" + OnS3Root.BUCKET)
@ExtendWith(OnS3Root.Server.class)
public @interface OnS3Root {

    String BUCKET = "archive";

    /** Starts the server (and sets its endpoint and credentials) before the class's context is built. */
    final class Server implements BeforeAllCallback {
        @Override
        public void beforeAll(ExtensionContext context) {
            S3Server.shared().bucket(BUCKET);
        }
    }
}
