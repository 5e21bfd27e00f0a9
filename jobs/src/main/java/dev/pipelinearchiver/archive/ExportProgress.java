package dev.pipelinearchiver.archive;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import org.springframework.batch.core.ExitStatus;
import org.springframework.batch.core.job.flow.Flow;
import org.springframework.batch.core.job.flow.FlowExecution;
import org.springframework.batch.core.job.flow.FlowExecutionException;
import org.springframework.batch.core.job.flow.FlowExecutor;
import org.springframework.batch.core.job.flow.State;
import org.springframework.batch.core.listener.StepExecutionListener;
import org.springframework.batch.core.step.StepExecution;
import org.springframework.stereotype.Component;

/**
 * Tells the purge step, which runs beside the export step, when a batch has been written and when no
 * more will come. Listens to the export step (its end, per job execution) and to each of its partitions
 * (a batch committed WRITTEN). In memory only: the ledger stays the truth about which batches are
 * WRITTEN; this only spares the purge from polling it.
 */
@Component
class ExportProgress implements StepExecutionListener {

    static final String EXPORT_STEP = "exportStep";

    private final Object lock = new Object();
    private final Set<Long> started = new HashSet<>();
    private final Set<Long> ended = new HashSet<>();
    private long changes;

    @Override
    public void beforeStep(StepExecution step) {
        if (EXPORT_STEP.equals(step.getStepName())) {
            synchronized (lock) {
                started.add(step.getJobExecutionId());
                changes++;
                lock.notifyAll();
            }
        }
    }

    /** Called after the step's last commit: a partition's batch is WRITTEN by now, or the export step is over. */
    @Override
    public ExitStatus afterStep(StepExecution step) {
        synchronized (lock) {
            if (EXPORT_STEP.equals(step.getStepName())) {
                ended.add(step.getJobExecutionId());
            }
            changes++;
            lock.notifyAll();
        }
        return null;
    }

    /**
     * The export's flow, telling the purge when it has ended however it ended: also when Spring Batch could
     * not even record the export step's start (a lost connection), so that its listener never ran and the
     * purge would otherwise wait for an export that never comes.
     */
    Flow endingWith(Flow exportFlow) {
        return new Flow() {
            @Override
            public String getName() {
                return exportFlow.getName();
            }

            @Override
            public State getState(String stateName) {
                return exportFlow.getState(stateName);
            }

            @Override
            public FlowExecution start(FlowExecutor executor) throws FlowExecutionException {
                try {
                    return exportFlow.start(executor);
                } finally {
                    exportEnded(executor.getJobExecution().getId());
                }
            }

            @Override
            public FlowExecution resume(String stateName, FlowExecutor executor) throws FlowExecutionException {
                try {
                    return exportFlow.resume(stateName, executor);
                } finally {
                    exportEnded(executor.getJobExecution().getId());
                }
            }

            @Override
            public Collection<State> getStates() {
                return exportFlow.getStates();
            }
        };
    }

    private void exportEnded(long jobExecutionId) {
        synchronized (lock) {
            if (ended.add(jobExecutionId)) {
                changes++;
                lock.notifyAll();
            }
        }
    }

    /** A counter that moves on every event; read it before looking at the ledger, then {@link #await} it. */
    long changes() {
        synchronized (lock) {
            return changes;
        }
    }

    boolean started(long jobExecutionId) {
        synchronized (lock) {
            return started.contains(jobExecutionId);
        }
    }

    /** True once the export step of this job execution has ended, however it ended. */
    boolean ended(long jobExecutionId) {
        synchronized (lock) {
            return ended.contains(jobExecutionId);
        }
    }

    /** Waits until something happened since {@code seen}, or the timeout. */
    void await(long seen, Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            for (long left = timeout.toMillis();
                    changes == seen && left > 0;
                    left = (until - System.nanoTime()) / 1_000_000) {
                lock.wait(left);
            }
        }
    }
}
