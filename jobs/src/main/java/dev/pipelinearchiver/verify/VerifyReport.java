package dev.pipelinearchiver.verify;

import java.util.EnumMap;
import java.util.Map;

/**
 * What {@code verify} found: files of the ledger checked, their rows, and the problems by kind.
 *
 * @param problems number of problems per kind (every kind present, zero when none)
 */
public record VerifyReport(long filesChecked, long rowsChecked, Map<Problem.Kind, Long> problems) {

    public long problemCount() {
        return problems.values().stream().mapToLong(Long::longValue).sum();
    }

    public boolean clean() {
        return problemCount() == 0;
    }

    public String summary() {
        StringBuilder text = new StringBuilder(
                String.format("verify: %,d files of the ledger checked (%,d rows): ", filesChecked, rowsChecked));
        if (clean()) {
            return text.append("all match, no unknown file").toString();
        }
        text.append(problemCount()).append(problemCount() == 1 ? " problem (" : " problems (");
        String separator = "";
        for (Map.Entry<Problem.Kind, Long> kind : problems.entrySet()) {
            if (kind.getValue() > 0) {
                text.append(separator)
                        .append(kind.getValue())
                        .append(' ')
                        .append(kind.getKey().name().toLowerCase());
                separator = ", ";
            }
        }
        return text.append(')').toString();
    }

    static Map<Problem.Kind, Long> noProblems() {
        Map<Problem.Kind, Long> problems = new EnumMap<>(Problem.Kind.class);
        for (Problem.Kind kind : Problem.Kind.values()) {
            problems.put(kind, 0L);
        }
        return problems;
    }
}
