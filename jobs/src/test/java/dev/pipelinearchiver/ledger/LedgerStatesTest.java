package dev.pipelinearchiver.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelinearchiver.support.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The enums are the one list of ledger states: the migrated schema's CHECK constraints and open-run index
 * name exactly their values, and every state literal left in the SQL text of the main code is one of them.
 */
class LedgerStatesTest {

    private static final TestDatabase DB = TestDatabase.create("archiver_states");
    /** A quoted literal compared with a state column: {@code state = 'X'}, {@code state <> 'X'}, {@code state IN ('X', ...)}. */
    private static final Pattern STATE_SQL =
            Pattern.compile("state\\s*(?:=|<>|IN\\s*\\()\\s*('[^)\\n]*?')(?=\\s*[)\\n ]|$)", Pattern.CASE_INSENSITIVE);

    private static final Pattern QUOTED = Pattern.compile("'([^']*)'");

    @BeforeAll
    static void migrate() {
        Flyway.configure()
                .dataSource(DB.url(), TestDatabase.user(), TestDatabase.password())
                .schemas("archiver")
                .defaultSchema("archiver")
                .locations("classpath:db/archiver")
                .load()
                .migrate();
    }

    @AfterAll
    static void drop() {
        DB.drop();
    }

    @Test
    void batchStateCheckHoldsExactlyTheBatchStates() {
        // given the migrated ledger
        // when
        Set<String> allowed = quoted(constraint("archive_batch_state_ck"));
        // then
        assertThat(allowed).isEqualTo(values(BatchState.values()));
    }

    @Test
    void runStateCheckHoldsExactlyTheRunStates() {
        // given the migrated ledger
        // when
        Set<String> allowed = quoted(constraint("batch_run_state_ck"));
        // then
        assertThat(allowed).isEqualTo(values(RunState.values()));
    }

    @Test
    void openRunIndexHoldsExactlyTheOpenRunStates() {
        // given the migrated ledger
        // when
        Set<String> indexed = quoted(DB.text("SELECT pg_get_indexdef('archiver.batch_run_open_run_uk'::regclass)"));
        // then
        assertThat(indexed)
                .isEqualTo(values(
                        Arrays.stream(RunState.values()).filter(RunState::open).toArray(RunState[]::new)));
    }

    @Test
    void everyStateLiteralInTheSqlOfTheMainCodeIsALedgerState() throws IOException {
        // given every value of both enums
        Set<String> states = values(BatchState.values());
        states.addAll(values(RunState.values()));
        // when
        Set<String> literals = new TreeSet<>();
        try (Stream<Path> sources = Files.walk(Path.of("src/main/java"))) {
            for (Path source :
                    sources.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher matcher = STATE_SQL.matcher(Files.readString(source));
                while (matcher.find()) {
                    literals.addAll(quoted(matcher.group(1)));
                }
            }
        }
        // then: the scan finds the SQL (a broken pattern would pass on nothing) and nothing outside the enums
        assertThat(literals).contains("PURGED", "WRITTEN", "planned", "restored", "released");
        assertThat(states).containsAll(literals);
    }

    @Test
    void transitionsFollowTheLedgerLifecycle() {
        // then: a run is archived, restored and released in that order, and released is final
        assertThat(RunState.PLANNED.next())
                .containsExactlyInAnyOrder(RunState.PURGED, RunState.CHANGED, RunState.RELEASED);
        assertThat(RunState.PURGED.canBecome(RunState.RESTORED)).isTrue();
        assertThat(RunState.RESTORED.canBecome(RunState.RELEASED)).isTrue();
        assertThat(RunState.PURGED.canBecome(RunState.RELEASED)).isFalse();
        assertThat(RunState.RELEASED.next()).isEmpty();
        assertThat(BatchState.PLANNED.canBecome(BatchState.WRITTEN)).isTrue();
        assertThat(BatchState.PLANNED.canBecome(BatchState.PURGED)).isFalse();
        assertThat(BatchState.PURGED.next()).isEmpty();
        assertThatThrownBy(() -> RunState.requireTransition(RunState.CHANGED, RunState.PURGED))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("changed to purged");
    }

    private static String constraint(String name) {
        return DB.text("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = '" + name + "'");
    }

    private static Set<String> quoted(String text) {
        Set<String> values = new TreeSet<>();
        Matcher matcher = QUOTED.matcher(text);
        while (matcher.find()) {
            values.add(matcher.group(1));
        }
        return values;
    }

    private static Set<String> values(Enum<?>[] states) {
        return Arrays.stream(states)
                .map(state -> state instanceof RunState run ? run.value() : ((BatchState) state).value())
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
