package dev.pipelinearchiver.restore;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Collection;
import java.util.Map;

/**
 * Restore writes explicit ids into serial and identity columns and leaves their sequences alone. That is
 * safe because every archived id was handed out by the sequence before (so it is at most the sequence's
 * last value, and the sequence never hands it out again). This checks it, in the restore's transaction:
 * an id above what the sequence handed out (rows once inserted with explicit ids, a sequence reset)
 * would make the backend's next insert fail on a duplicate key, so the sequence is advanced to it
 * (forward only) and a note says so. {@code setval} is not rolled back with the transaction: a batch
 * that fails afterwards leaves the sequence advanced, which is harmless.
 */
final class SequenceGuard {

    private SequenceGuard() {}

    static void check(Connection con, Map<String, Long> maxima, Collection<String> notes) throws SQLException {
        for (Map.Entry<String, Long> entry : maxima.entrySet()) {
            String sequence = entry.getKey();
            long restoredMax = entry.getValue();
            try (PreparedStatement ps = con.prepareStatement(RestoreSql.SEQUENCE_STATE)) {
                ps.setString(1, sequence);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next() || !rs.getBoolean(1)) {
                        continue; // not found, or descending: nothing we can reason about
                    }
                    long start = rs.getLong(2);
                    long last = rs.getLong(3);
                    boolean called = !rs.wasNull();
                    boolean safe = called ? restoredMax <= last : restoredMax < start;
                    if (safe) {
                        continue;
                    }
                    advance(con, sequence, restoredMax);
                    notes.add("sequence " + sequence + " had handed out ids only up to " + (called ? last : start - 1)
                            + ", below the restored "
                            + restoredMax + " (rows once inserted with explicit ids?): advanced to " + restoredMax
                            + " so the backend's next insert cannot collide.");
                }
            }
        }
    }

    private static void advance(Connection con, String sequence, long value) throws SQLException {
        try (PreparedStatement ps = con.prepareStatement(RestoreSql.ADVANCE_SEQUENCE)) {
            ps.setString(1, sequence);
            ps.setLong(2, value);
            ps.executeQuery().close();
        }
    }
}
