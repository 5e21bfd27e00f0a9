package dev.pipelinearchiver.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/** The PromQL queries of config/grafana's dashboard and config/prometheus' alert rules, and the metrics they name. */
public final class MonitoringConfig {

    public static final Path DASHBOARD = Path.of("..", "config", "grafana", "pipeline-archiver-dashboard.json");
    public static final Path RULES = Path.of("..", "config", "prometheus", "pipeline-archiver-rules.yml");

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*+(?!\\s*\\()");
    private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "inf", "nan");

    private MonitoringConfig() {}

    /** The expression of every panel target of the dashboard, and the queries of its variables. */
    public static List<String> dashboardQueries() throws IOException {
        JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            for (JsonNode target : panel.get("targets")) {
                queries.add(target.get("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.get("templating").get("list")) {
            if (variable.get("type").asText().equals("query")) {
                queries.add(variable.get("query").get("query").asText());
            }
        }
        return queries;
    }

    /** The expression of every alert rule. */
    @SuppressWarnings("unchecked")
    public static List<String> ruleExpressions() throws IOException {
        try (Reader reader = Files.newBufferedReader(RULES)) {
            Map<String, Object> rules = new Yaml().load(reader);
            List<String> expressions = new ArrayList<>();
            for (Map<String, Object> group : (List<Map<String, Object>>) rules.get("groups")) {
                for (Map<String, Object> rule : (List<Map<String, Object>>) group.get("rules")) {
                    expressions.add(rule.get("expr").toString());
                }
            }
            return expressions;
        }
    }

    /**
     * The metric names a PromQL expression reads: identifiers that are not functions, keywords, label names
     * (in matchers, {@code by (...)} and the like) or durations; for {@code label_values(metric, label)} the
     * metric.
     */
    public static Set<String> metricNames(String expression) {
        Set<String> names = new TreeSet<>();
        Matcher labelValues = LABEL_VALUES.matcher(expression);
        if (labelValues.find()) {
            names.add(labelValues.group(1));
            return names;
        }
        String bare = expression
                .replaceAll("\"[^\"]*\"", "\"\"")
                .replaceAll("\\{[^}]*}", "")
                .replaceAll("\\[[^]]*]", "")
                .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", "");
        Matcher name = NAME.matcher(bare);
        while (name.find()) {
            if (!KEYWORDS.contains(name.group())) {
                names.add(name.group());
            }
        }
        return names;
    }
}
