package dev.pipelinearchiver.archive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FetchBudgetTest {

    @Test
    void asksForAsManyRowsOfTheWidestSoFarAsFitTheBytesWithinTheRowLimit() {
        FetchBudget fetch = new FetchBudget(2000, 32 << 20, 10);
        assertThat(fetch.rows()).isEqualTo(FetchBudget.FIRST_FETCH_ROWS); // nothing known yet

        // narrow rows: the row limit binds
        assertThat(fetch.rowRead(1_000)).isTrue();
        assertThat(fetch.rows()).isEqualTo(2000);
        assertThat(fetch.rowRead(900)).isFalse();

        // a wide row: the bytes bind, counting what the driver holds per value
        assertThat(fetch.rowRead(200_000)).isTrue();
        assertThat(fetch.rows()).isEqualTo((32 << 20) / (200_000 + 10 * FetchBudget.PER_VALUE_OVERHEAD));

        // narrower rows after it do not widen the fetch again; a row beyond the budget is fetched alone
        assertThat(fetch.rowRead(1_000)).isFalse();
        assertThat(fetch.rowRead(50 << 20)).isTrue();
        assertThat(fetch.rows()).isEqualTo(1);
    }

    @Test
    void neverAsksForMoreThanTheRowLimitEvenFirst() {
        assertThat(new FetchBudget(10, 1 << 20, 3).rows()).isEqualTo(10);
    }
}
