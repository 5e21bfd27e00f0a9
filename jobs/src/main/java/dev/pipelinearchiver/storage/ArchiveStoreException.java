package dev.pipelinearchiver.storage;

import java.io.IOException;

/**
 * An operation of the object store failed after the client's retries: the message names the operation,
 * the object and the store's answer (a refused permission, an unreachable endpoint). A relaunch resumes
 * once the cause is fixed.
 */
public class ArchiveStoreException extends IOException {

    public ArchiveStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
