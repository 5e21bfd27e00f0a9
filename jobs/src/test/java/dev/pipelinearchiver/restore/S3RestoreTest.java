package dev.pipelinearchiver.restore;

import dev.pipelinearchiver.support.OnS3Root;

/** Every test of {@link RestoreTest}, with the archive in an S3 bucket (a real S3 server). */
@OnS3Root
class S3RestoreTest extends RestoreTest {}
