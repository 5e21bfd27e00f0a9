package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Error messages masked into patterns; a message with nothing to mask skips the masks and gets the same pattern. */
class ErrorPatternsTest {

    @Test
    void masksIdsTimestampsAndNumbers() {
        assertThat(ErrorPatterns.normalise(
                        "TimeoutError: upstream model timed out after 120000 ms (request 413844ae16e7)"))
                .isEqualTo("TimeoutError: upstream model timed out after <n> ms (request <id>)");
        assertThat(ErrorPatterns.normalise("run 6f1c2a9e-0b7d-4c1e-9a3f-2d8e7b6a5c4d failed at 2026-05-27T03:00:00Z"))
                .isEqualTo("run <uuid> failed at <ts>");
        // a UUID of letters only has no digit: its hyphens keep it on the masking path
        assertThat(ErrorPatterns.normalise("lost abcdefab-abcd-abcd-abcd-abcdefabcdef"))
                .isEqualTo("lost <uuid>");
    }

    @Test
    void aMessageWithNothingToMaskOnlyHasItsSpacesFolded() {
        assertThat(ErrorPatterns.maskable("ValidationError: model output is not valid JSON"))
                .isFalse();
        assertThat(ErrorPatterns.normalise("  ValidationError:\tmodel output\nis not valid JSON  "))
                .isEqualTo("ValidationError: model output is not valid JSON");
        assertThat(ErrorPatterns.normalise("KeyError: 'close'")).isEqualTo("KeyError: 'close'");
        assertThat(ErrorPatterns.normalise("x".repeat(500)))
                .hasSize(ErrorPatterns.MAX_PATTERN_LENGTH)
                .endsWith("…");
        assertThat(ErrorPatterns.maskable("ünïcödé ⓝⓞ ⓓⓘⓖⓘⓣ")).isFalse();
        assertThat(ErrorPatterns.maskable("error 7")).isTrue();
        assertThat(ErrorPatterns.maskable("a-b")).isTrue();
    }
}
