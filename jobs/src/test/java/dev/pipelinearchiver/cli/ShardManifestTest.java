package dev.pipelinearchiver.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelinearchiver.ArchiverProperties;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;
import org.springframework.core.io.FileSystemResource;
import org.yaml.snakeyaml.Yaml;

/**
 * config/kubernetes/cronjob-sharded.yaml (issue 18) against the settings the job reads and against the
 * one-pod config/kubernetes/cronjob.yaml: an Indexed Job whose completions, parallelism and shard count
 * agree, whose pods get their index where config/application.yml takes it from, and whose pod, Secret and
 * failure policy are those of the one-pod CronJob, per index. Fails when the two drift apart.
 */
class ShardManifestTest {

    private static final Path KUBERNETES = Path.of("..", "config", "kubernetes");

    @SuppressWarnings("unchecked")
    private static Map<String, Object> yaml(Path file) throws IOException {
        try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return (Map<String, Object>) new Yaml().load(reader);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> T at(Object node, String... path) {
        Object current = node;
        for (String key : path) {
            assertThat(current).as("parent of " + key).isInstanceOf(Map.class);
            current = ((Map<String, Object>) current).get(key);
        }
        return (T) current;
    }

    private static Map<String, Object> container(Map<String, Object> cronJob) {
        List<Map<String, Object>> containers =
                at(cronJob, "spec", "jobTemplate", "spec", "template", "spec", "containers");
        assertThat(containers).hasSize(1);
        return containers.get(0);
    }

    private static String envValue(Map<String, Object> container, String name) {
        List<Map<String, Object>> env = at(container, "env");
        return env.stream()
                .filter(e -> name.equals(e.get("name")))
                .map(e -> (String) e.get("value"))
                .findFirst()
                .orElse(null);
    }

    @Test
    void theIndexedJobsShardCountIndexSecretAndPolicyMatchTheSettingsAndTheOnePodCronJob() throws Exception {
        // given
        Map<String, Object> sharded = yaml(KUBERNETES.resolve("cronjob-sharded.yaml"));
        Map<String, Object> single = yaml(KUBERNETES.resolve("cronjob.yaml"));
        Map<String, Object> job = at(sharded, "spec", "jobTemplate", "spec");
        Map<String, Object> singleJob = at(single, "spec", "jobTemplate", "spec");

        // then: an Indexed Job of N = completions = parallelism = the shard count its pods are given, N = 4
        assertThat(sharded.get("kind")).isEqualTo("CronJob");
        assertThat(job.get("completionMode")).isEqualTo("Indexed");
        int completions = (Integer) job.get("completions");
        assertThat(completions).isEqualTo(4);
        assertThat(job.get("parallelism")).isEqualTo(completions);
        Map<String, Object> container = container(sharded);
        assertThat(envValue(container, "ARCHIVER_SHARD_COUNT")).isEqualTo(Integer.toString(completions));
        // and no fixed index: it must come from Kubernetes
        assertThat(envValue(container, "ARCHIVER_SHARD_INDEX")).isNull();
        assertThat(envValue(container, "JOB_COMPLETION_INDEX")).isNull();

        // then: the job binds the index from JOB_COMPLETION_INDEX (as Kubernetes sets it) and the count from
        // the manifest's variable, through config/application.yml, as the jar does
        StandardEnvironment environment = new StandardEnvironment();
        environment.getPropertySources().remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        environment
                .getPropertySources()
                .addFirst(new SystemEnvironmentPropertySource(
                        "pod",
                        Map.of(
                                "JOB_COMPLETION_INDEX",
                                "3",
                                "ARCHIVER_SHARD_COUNT",
                                envValue(container, "ARCHIVER_SHARD_COUNT"))));
        new YamlPropertySourceLoader()
                .load("application.yml", new FileSystemResource(Path.of("..", "config", "application.yml")))
                .forEach(environment.getPropertySources()::addLast);
        ArchiverProperties.Shard shard = Binder.get(environment)
                .bind("archiver.shard", ArchiverProperties.Shard.class)
                .get();
        assertThat(shard).isEqualTo(new ArchiverProperties.Shard(3, completions));

        // then: the retries and the failure policy of the one-pod CronJob, per index
        assertThat(job.get("backoffLimitPerIndex")).isEqualTo(singleJob.get("backoffLimit"));
        assertThat(job).doesNotContainKey("backoffLimit");
        List<Map<String, Object>> rules = at(job, "podFailurePolicy", "rules");
        List<Map<String, Object>> perIndex = new ArrayList<>();
        List<Map<String, Object>> singleRules = at(singleJob, "podFailurePolicy", "rules");
        for (Map<String, Object> rule : singleRules) {
            Map<String, Object> copy = new LinkedHashMap<>(rule);
            if ("FailJob".equals(copy.get("action"))) {
                copy.put("action", "FailIndex");
            }
            perIndex.add(copy);
        }
        assertThat(rules).isEqualTo(perIndex);
        assertThat(rules).anySatisfy(rule -> assertThat(rule.get("action")).isEqualTo("FailIndex"));

        // then: the same pod (image, args, Secret, resources, volumes) but for the shard count
        Map<String, Object> pod = new LinkedHashMap<>(at(sharded, "spec", "jobTemplate", "spec", "template", "spec"));
        Map<String, Object> singlePod = at(single, "spec", "jobTemplate", "spec", "template", "spec");
        Map<String, Object> withoutCount = new LinkedHashMap<>(container);
        List<Map<String, Object>> env = new ArrayList<>(at(container, "env"));
        env.removeIf(e -> "ARCHIVER_SHARD_COUNT".equals(e.get("name")));
        withoutCount.put("env", env);
        pod.put("containers", List.of(withoutCount));
        assertThat(pod).isEqualTo(singlePod);
        List<String> secrets = env.stream()
                .filter(e -> e.containsKey("valueFrom"))
                .map(e -> e.get("name") + "<-" + at(e, "valueFrom", "secretKeyRef", "name") + "/"
                        + at(e, "valueFrom", "secretKeyRef", "key"))
                .toList();
        assertThat(secrets)
                .containsExactly(
                        "SPRING_DATASOURCE_USERNAME<-pipeline-archiver-db/username",
                        "SPRING_DATASOURCE_PASSWORD<-pipeline-archiver-db/password");
        // and the same schedule and concurrency as the one-pod CronJob
        for (String key : List.of("schedule", "timeZone", "concurrencyPolicy", "startingDeadlineSeconds")) {
            Object value = at(sharded, "spec", key);
            assertThat(value).as(key).isEqualTo(at(single, "spec", key));
        }
        assertThat(job.get("activeDeadlineSeconds")).isEqualTo(singleJob.get("activeDeadlineSeconds"));
    }
}
