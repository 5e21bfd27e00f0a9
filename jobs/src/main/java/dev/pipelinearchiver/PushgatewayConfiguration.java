package dev.pipelinearchiver;

import io.prometheus.metrics.exporter.pushgateway.Format;
import io.prometheus.metrics.exporter.pushgateway.PushGateway;
import io.prometheus.metrics.exporter.pushgateway.Scheme;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.source.MutuallyExclusiveConfigurationPropertiesException;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.prometheus.PrometheusProperties;
import org.springframework.boot.micrometer.metrics.export.prometheus.PrometheusPushGatewayManager;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * The Pushgateway, switched on when the process starts ({@code management.prometheus.metrics.export.pushgateway.enabled}).
 * Spring Boot decides whether to create its {@link PrometheusPushGatewayManager} by a condition, and the
 * application run from its ahead-of-time processed beans ({@code config/jvm.options}) has every condition
 * decided at build, where the Pushgateway is off: this creates the same manager, from the same settings,
 * when the setting is on at run time and Spring Boot has not (docs/decisions/0005-spring-aot.md). It pushes
 * as Spring Boot's does: every {@code push-rate} during the launch and with {@code shutdown-operation}
 * when the context closes at the end of the command.
 */
@Configuration(proxyBeanMethods = false)
class PushgatewayConfiguration {

    /** Spring Boot's name when neither the job nor spring.application.name is set, as in its configuration. */
    private static final String FALLBACK_JOB = "spring";

    @Bean
    PushgatewayAtRuntime pushgatewayAtRuntime(
            ObjectProvider<PrometheusPushGatewayManager> springBoots,
            ObjectProvider<PrometheusProperties> properties,
            ObjectProvider<PrometheusRegistry> registry,
            Environment environment) {
        PrometheusProperties prometheus = properties.getIfAvailable();
        PrometheusRegistry metrics = registry.getIfAvailable();
        if (springBoots.getIfAvailable() != null
                || prometheus == null
                || metrics == null
                || !prometheus.getPushgateway().isEnabled()) {
            return new PushgatewayAtRuntime(null);
        }
        PrometheusProperties.Pushgateway settings = prometheus.getPushgateway();
        return new PushgatewayAtRuntime(new PrometheusPushGatewayManager(
                pushGateway(metrics, settings, environment), settings.getPushRate(), settings.getShutdownOperation()));
    }

    private static PushGateway pushGateway(
            PrometheusRegistry registry, PrometheusProperties.Pushgateway settings, Environment environment) {
        PushGateway.Builder builder = PushGateway.builder()
                .address(settings.getAddress())
                .scheme(
                        settings.getScheme() == PrometheusProperties.Pushgateway.Scheme.HTTPS
                                ? Scheme.HTTPS
                                : Scheme.HTTP)
                .format(
                        settings.getFormat() == PrometheusProperties.Pushgateway.Format.PROTOBUF
                                ? Format.PROMETHEUS_PROTOBUF
                                : Format.PROMETHEUS_TEXT)
                .job(
                        settings.getJob() != null
                                ? settings.getJob()
                                : environment.getProperty("spring.application.name", FALLBACK_JOB))
                .registry(registry);
        MutuallyExclusiveConfigurationPropertiesException.throwIfMultipleNonNullValuesIn(entries -> {
            entries.put("management.prometheus.metrics.export.pushgateway.token", settings.getToken());
            entries.put("management.prometheus.metrics.export.pushgateway.username", settings.getUsername());
        });
        if (StringUtils.hasText(settings.getToken())) {
            builder.bearerToken(settings.getToken());
        } else if (StringUtils.hasText(settings.getUsername())) {
            builder.basicAuth(settings.getUsername(), settings.getPassword());
        }
        settings.getGroupingKey().forEach(builder::groupingKey);
        return builder.build();
    }

    /** Holds the manager, if this configuration made one; closing the context shuts it down (its last push). */
    static final class PushgatewayAtRuntime implements AutoCloseable {

        private final PrometheusPushGatewayManager manager;

        PushgatewayAtRuntime(PrometheusPushGatewayManager manager) {
            this.manager = manager;
        }

        @Override
        public void close() {
            if (manager != null) {
                manager.shutdown();
            }
        }
    }
}
