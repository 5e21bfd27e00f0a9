package dev.pipelinearchiver.stats;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Pattern;
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
        assertThat(ErrorPatterns.normalise("  ValidationError:\tmodel output\nis not valid JSON  "))
                .isEqualTo("ValidationError: model output is not valid JSON");
        assertThat(ErrorPatterns.normalise("KeyError: 'close'")).isEqualTo("KeyError: 'close'");
        assertThat(ErrorPatterns.normalise("x".repeat(500)))
                .hasSize(ErrorPatterns.MAX_PATTERN_LENGTH)
                .endsWith("…");
    }

    /** The five masks run one after the other on every message, as before passes were skipped. */
    private static String everyPass(String message) {
        String pattern = Pattern.compile(
                        "\\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\\b")
                .matcher(message)
                .replaceAll("<uuid>");
        pattern = Pattern.compile(
                        "\\b\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?\\b")
                .matcher(pattern)
                .replaceAll("<ts>");
        pattern = Pattern.compile("\\b(?=[0-9a-fA-F]*\\d)[0-9a-fA-F]{8,}\\b")
                .matcher(pattern)
                .replaceAll("<id>");
        pattern = Pattern.compile("\\d+").matcher(pattern).replaceAll("<n>");
        pattern = Pattern.compile("\\s+").matcher(pattern).replaceAll(" ").strip();
        return ErrorPatterns.truncate(pattern, ErrorPatterns.MAX_PATTERN_LENGTH);
    }

    @Test
    void skippingThePassesThatCannotMatchGivesThePatternsOfEveryPass() {
        List<String> parts = List.of(
                "Error",
                " ",
                "  ",
                "\t",
                "\n",
                "\r\n",
                "\u000B",
                "\f",
                "\u00A0",
                "-",
                "--",
                "7",
                "2026-05-27",
                "2026-05-27T03:00:00Z",
                "12:30",
                "abcdefab-abcd-abcd-abcd-abcdefabcdef",
                "6f1c2a9e-0b7d-4c1e-9a3f-2d8e7b6a5c4d",
                "deadbeef",
                "413844ae16e7",
                "ünï",
                "x-1",
                "+02:00",
                "…");
        int checked = 0;
        for (String a : parts) {
            for (String b : parts) {
                for (String c : parts) {
                    String message = a + b + c;
                    assertThat(ErrorPatterns.normalise(message)).as(message).isEqualTo(everyPass(message));
                    checked++;
                }
            }
        }
        assertThat(checked).isEqualTo(parts.size() * parts.size() * parts.size());
    }
}
