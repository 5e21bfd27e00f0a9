package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.archive.Ledger.RunStamp;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The stamps the export tallies from streamed rows; that they equal the purge's count is ArchiveJobTest's. */
class RunStampsTallyTest {

    @Test
    void countsRowsPerTableAndSumsXminOverAllTablesOfTheRunsTheRunsTableStreamed() {
        RunStamps.Tally tally = new RunStamps.Tally(3);
        assertThat(tally.add(0, 7, 100)).isTrue();
        assertThat(tally.add(0, 9, 101)).isTrue();
        assertThat(tally.add(1, 7, 200)).isTrue();
        assertThat(tally.add(1, 7, 201)).isTrue();
        assertThat(tally.add(2, 7, 4_000_000_000L)).isTrue();
        assertThat(tally.add(2, 9, 300)).isTrue();

        Map<Long, RunStamp> stamps = tally.stamps();

        assertThat(stamps).containsOnlyKeys(7L, 9L);
        assertThat(stamps.get(7L).rowCounts()).containsExactly(1, 2, 1);
        assertThat(stamps.get(7L).fingerprint()).isEqualTo(100 + 200 + 201 + 4_000_000_000L);
        assertThat(stamps.get(9L).rowCounts()).containsExactly(1, 0, 1); // no row in table 1: 0, as the count gives
        assertThat(stamps.get(9L).fingerprint()).isEqualTo(101 + 300);
    }

    @Test
    void refusesARowOfAnotherTableForARunTheRunsTableDidNotStream() {
        RunStamps.Tally tally = new RunStamps.Tally(2);
        tally.add(0, 7, 100);

        assertThat(tally.add(1, 7, 200)).isTrue();
        assertThat(tally.add(1, 8, 201)).isFalse(); // right after run 7's row: not taken for run 7
        assertThat(tally.add(1, 7, 202)).isTrue();

        assertThat(tally.stamps()).containsOnlyKeys(7L);
        assertThat(tally.stamps().get(7L).rowCounts()).containsExactly(1, 2);
        assertThat(tally.stamps().get(7L).fingerprint()).isEqualTo(502);
    }
}
