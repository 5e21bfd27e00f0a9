package dev.pipelinearchiver.database;

import dev.pipelinearchiver.ArchiverProperties;
import java.util.concurrent.ThreadLocalRandom;
import org.springframework.util.backoff.BackOffExecution;

/**
 * Exponential waits with jitter, until {@code retry-for} after the streak's first failure. The last wait
 * is cut to end at that bound, so the unit of work is tried one last time there.
 */
final class RetryWaits implements BackOffExecution {

    private final long deadline;
    private final long maxDelay;
    private long delay;

    RetryWaits(ArchiverProperties.Database settings) {
        this.deadline = System.nanoTime() + settings.retryFor().toNanos();
        this.maxDelay = settings.retryMaxDelay().toMillis();
        this.delay = settings.retryDelay().toMillis();
    }

    @Override
    public long nextBackOff() {
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            return STOP;
        }
        long wait = delay + ThreadLocalRandom.current().nextLong(delay / 2 + 1);
        delay = Math.min(delay * 2, maxDelay);
        return Math.min(wait, left);
    }
}
