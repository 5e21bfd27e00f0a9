package dev.pipelinearchiver.storage;

import dev.pipelinearchiver.ArchiverProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The archive root's storage, chosen by the root's scheme. */
@Configuration(proxyBeanMethods = false)
public class StorageConfiguration {

    @Bean
    ArchiveStorage archiveStorage(ArchiverProperties properties) {
        return open(properties);
    }

    /** The storage of the configured root; an unsupported root fails here, naming the supported ones. */
    public static ArchiveStorage open(ArchiverProperties properties) {
        ArchiveRoot root = ArchiveRoot.parse(properties.outputRoot());
        return switch (root.scheme()) {
            case FILE -> new LocalStorage(root);
            case S3 -> new S3Storage(root, S3Clients.build(properties.s3()), properties.s3());
        };
    }
}
