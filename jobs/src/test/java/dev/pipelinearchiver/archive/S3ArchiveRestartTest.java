package dev.pipelinearchiver.archive;

import dev.pipelinearchiver.support.OnS3Root;

/** Every test of {@link ArchiveRestartTest}, with the archive in an S3 bucket (a real S3 server). */
@OnS3Root
class S3ArchiveRestartTest extends ArchiveRestartTest {}
