package dev.pipelinearchiver.ledger;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;

/**
 * The state of an archive batch ({@code archiver.archive_batch.state}): planned, then written to files,
 * then purged from PostgreSQL. The database's {@code archive_batch_state_ck} holds exactly these values
 * (LedgerStatesTest checks it).
 */
public enum BatchState {
    /** Its runs are frozen; its files are not recorded yet (an export may have left unrecorded files). */
    PLANNED,
    /** Its files and run stamps are recorded; the purge has yet to delete its runs. */
    WRITTEN,
    /** Every run was deleted or released, the files hold only deleted runs. Final. */
    PURGED;

    /** The value stored in the ledger. */
    public String value() {
        return name();
    }

    /** The states this one may become. */
    public Set<BatchState> next() {
        return switch (this) {
            case PLANNED -> EnumSet.of(WRITTEN);
            case WRITTEN -> EnumSet.of(PURGED);
            case PURGED -> EnumSet.noneOf(BatchState.class);
        };
    }

    public boolean canBecome(BatchState to) {
        return next().contains(to);
    }

    /** The state a ledger value names. */
    public static BatchState of(String value) {
        return Arrays.stream(values())
                .filter(state -> state.value().equals(value))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("Not a batch state: " + value));
    }
}
