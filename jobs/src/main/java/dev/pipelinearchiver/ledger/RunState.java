package dev.pipelinearchiver.ledger;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The state of a run in a batch ({@code archiver.batch_run.state}). The database's
 * {@code batch_run_state_ck} holds exactly these values and its {@code batch_run_open_run_uk} index
 * exactly the {@link #open() open} ones (LedgerStatesTest checks both).
 *
 * <pre>
 * planned -> purged -> restored -> released   (archive, then restore)
 * planned -> changed -> released              (changed after export: dropped from the files)
 * planned -> released                         (gone from PostgreSQL before export)
 * </pre>
 */
public enum RunState {
    /** Frozen into a batch; in a WRITTEN batch, a run its files hold and the purge has yet to delete. */
    PLANNED("planned"),
    /** Deleted from PostgreSQL; the batch's files hold it. */
    PURGED("purged"),
    /** Its rows changed after export: the purge left it in PostgreSQL and drops it from the files. */
    CHANGED("changed"),
    /** Back in PostgreSQL by restore and still in the files, until restore takes it out of them. */
    RESTORED("restored"),
    /** No longer held by this batch: a later launch may archive it again. Final. */
    RELEASED("released");

    private final String value;

    RunState(String value) {
        this.value = value;
    }

    /** The value stored in the ledger. */
    public String value() {
        return value;
    }

    /** The states this one may become. */
    public Set<RunState> next() {
        return switch (this) {
            case PLANNED -> EnumSet.of(PURGED, CHANGED, RELEASED);
            case PURGED -> EnumSet.of(RESTORED);
            case CHANGED, RESTORED -> EnumSet.of(RELEASED);
            case RELEASED -> EnumSet.noneOf(RunState.class);
        };
    }

    public boolean canBecome(RunState to) {
        return next().contains(to);
    }

    /** An open state holds the run: no other batch may plan it (the open-run unique index). */
    public boolean open() {
        return this == PLANNED || this == CHANGED || this == RESTORED;
    }

    /** Checks a transition before a statement records it: a wrong one is a bug, never an operator's error. */
    public static void requireTransition(RunState from, RunState to) {
        if (!from.canBecome(to)) {
            throw new IllegalStateException("A run never goes from " + from.value() + " to " + to.value());
        }
    }

    /** The state a ledger value names. */
    public static RunState of(String value) {
        return Arrays.stream(values())
                .filter(state -> state.value.equals(value))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Not a run state: " + value));
    }
}
