package dev.pipelinearchiver.stats;

import dev.pipelinearchiver.support.OnS3Root;

/** Every test of {@link StepStatisticsTest}, with the archive in an S3 bucket (a real S3 server). */
@OnS3Root
class S3StepStatisticsTest extends StepStatisticsTest {}
