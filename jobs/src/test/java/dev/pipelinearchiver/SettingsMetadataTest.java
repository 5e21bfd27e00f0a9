package dev.pipelinearchiver;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * The settings are described once, in {@link ArchiverProperties}'s Javadoc: the build's configuration processor
 * turns it into Spring Boot's metadata, and the settings table of docs/settings.md must be exactly that metadata.
 */
class SettingsMetadataTest {

    private static final Path METADATA = Path.of("target/classes/META-INF/spring-configuration-metadata.json");
    private static final Path SETTINGS = Path.of("../docs/settings.md");
    static final String BEGIN =
            "<!-- archiver.* settings: generated from the configuration metadata (SettingsMetadataTest) -->";
    static final String END = "<!-- end of the generated settings -->";

    @Test
    void everyArchiverSettingHasADescription() throws IOException {
        // given
        List<JsonNode> settings = settings();

        // then
        assertThat(settings)
                .extracting(s -> s.get("name").asText())
                .contains("archiver.batch-size", "archiver.s3.part-bytes");
        assertThat(settings)
                .filteredOn(s -> s.path("description").asText("").isBlank())
                .extracting(s -> s.get("name").asText())
                .as("settings without a description: add an @param to their record in ArchiverProperties")
                .isEmpty();
    }

    @Test
    void settingsPageIsTheMetadata() throws IOException {
        // given
        String expected = table(settings());
        String page = Files.readString(SETTINGS);

        // when
        int begin = page.indexOf(BEGIN);
        int end = page.indexOf(END);

        // then
        assertThat(begin).as("docs/settings.md has the marker " + BEGIN).isNotNegative();
        assertThat(end).as("docs/settings.md has the marker " + END).isGreaterThan(begin);
        assertThat(page.substring(begin + BEGIN.length(), end).strip())
                .as("docs/settings.md drifted from the configuration metadata; its rows should be:%n%s%n", expected)
                .isEqualTo(expected);
    }

    private static List<JsonNode> settings() throws IOException {
        JsonNode metadata = new ObjectMapper().readTree(METADATA.toFile());
        return StreamSupport.stream(metadata.get("properties").spliterator(), false)
                .filter(p -> p.get("name").asText().startsWith("archiver."))
                .sorted(Comparator.comparing(p -> p.get("name").asText()))
                .toList();
    }

    /** The settings table: setting, default, description, one row per setting in name order. */
    static String table(List<JsonNode> settings) {
        List<String> rows = new ArrayList<>(List.of("| setting | default | description |", "|---|---|---|"));
        for (JsonNode setting : settings) {
            rows.add("| `" + setting.get("name").asText() + "` | " + defaultValue(setting.get("defaultValue")) + " | "
                    + setting.path("description").asText("").replace("|", "\\|") + " |");
        }
        return String.join("\n", rows);
    }

    private static String defaultValue(JsonNode value) {
        if (value == null || value.isNull()) {
            return "";
        }
        String text = value.isArray()
                ? StreamSupport.stream(value.spliterator(), false)
                        .map(JsonNode::asText)
                        .collect(Collectors.joining(","))
                : value.asText();
        return "`" + text.replace("|", "\\|") + "`";
    }
}
