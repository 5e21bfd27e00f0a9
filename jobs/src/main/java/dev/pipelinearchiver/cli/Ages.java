package dev.pipelinearchiver.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Ages and timeouts on the command line: a number followed by d, h, m or s (30d, 12h, 90s). */
final class Ages implements ITypeConverter<Duration> {

    private static final Pattern AGE = Pattern.compile("(\\d{1,9})([dhms])");

    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    static Duration parse(String value) {
        Matcher matcher = AGE.matcher(value);
        if (!matcher.matches()) {
            throw new TypeConversionException("'" + value + "' is not a number followed by d, h, m or s (e.g. 30d).");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "d" -> Duration.ofDays(amount);
            case "h" -> Duration.ofHours(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofSeconds(amount);
        };
    }
}
