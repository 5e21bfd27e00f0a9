package dev.pipelinearchiver.verify;

import dev.pipelinearchiver.support.OnS3Root;

/** Every test of {@link VerifyTest}, with the archive in an S3 bucket (a real S3 server). */
@OnS3Root
class S3VerifyTest extends VerifyTest {}
