package dev.codex4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepository;
import org.springframework.boot.configurationmetadata.ConfigurationMetadataRepositoryJsonBuilder;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The {@code codex.*} properties bind, keep the token out of toString, and are described for IDEs. */
@Timeout(30)
class CodexPropertiesTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(CodexProperties.class)
    static class PropertiesOnly {}

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(PropertiesOnly.class);

    @Test
    void everyPropertyBinds() {
        runner.withPropertyValues(
                "codex.executable=/opt/codex/bin/codex",
                "codex.endpoints=ws://codex-a:4500,wss://codex-b:4500",
                "codex.token=tok-5e1f",
                "codex.home=/srv/codex-home",
                "codex.working-directory=/srv/work",
                "codex.config.model=\"gpt-5.2\"",
                "codex.config[model_providers.mock]={name=\"m\"}",
                "codex.request-timeout=15s",
                "codex.startup-timeout=2m",
                "codex.fail-fast=false",
                "codex.restart.max-restarts=3",
                "codex.restart.initial-backoff=200ms",
                "codex.restart.max-backoff=5s",
                "codex.pool.size=4",
                "codex.pool.max-turns-per-member=2",
                "codex.pool.max-queued-turns-per-member=0",
                "codex.pool.queue-timeout=10s",
                "codex.observations.enabled=false").run(context -> {
                    CodexProperties p = context.getBean(CodexProperties.class);
                    assertThat(p.getExecutable()).isEqualTo(Path.of("/opt/codex/bin/codex"));
                    assertThat(p.getEndpoints()).containsExactly(URI.create("ws://codex-a:4500"),
                            URI.create("wss://codex-b:4500"));
                    assertThat(p.getToken()).isEqualTo("tok-5e1f");
                    assertThat(p.getHome()).isEqualTo(Path.of("/srv/codex-home"));
                    assertThat(p.getWorkingDirectory()).isEqualTo(Path.of("/srv/work"));
                    assertThat(p.getConfig()).containsExactlyInAnyOrderEntriesOf(Map.of("model", "\"gpt-5.2\"",
                            "model_providers.mock", "{name=\"m\"}"));
                    assertThat(p.getRequestTimeout()).isEqualTo(Duration.ofSeconds(15));
                    assertThat(p.getStartupTimeout()).isEqualTo(Duration.ofMinutes(2));
                    assertThat(p.isFailFast()).isFalse();
                    assertThat(p.getRestart().getMaxRestarts()).isEqualTo(3);
                    assertThat(p.getRestart().getInitialBackoff()).isEqualTo(Duration.ofMillis(200));
                    assertThat(p.getRestart().getMaxBackoff()).isEqualTo(Duration.ofSeconds(5));
                    assertThat(p.getPool().getSize()).isEqualTo(4);
                    assertThat(p.getPool().getMaxTurnsPerMember()).isEqualTo(2);
                    assertThat(p.getPool().getMaxQueuedTurnsPerMember()).isZero();
                    assertThat(p.getPool().getQueueTimeout()).isEqualTo(Duration.ofSeconds(10));
                    assertThat(p.getObservations().isEnabled()).isFalse();
                    assertThat(p.isPooled()).isTrue();
                    assertThat(p.toString()).doesNotContain("tok-5e1f").contains("token=****");
                });
    }

    /**
     * A value that cannot work fails the application's start naming the property, rather than later and
     * elsewhere, or never (a pool size of 0 used to configure one client; a negative restart count, none).
     */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "codex.pool.size=0                         | codex.pool.size",
            "codex.pool.size=-2                        | codex.pool.size",
            "codex.pool.max-turns-per-member=0         | codex.pool.max-turns-per-member",
            "codex.pool.max-queued-turns-per-member=-1 | codex.pool.max-queued-turns-per-member",
            "codex.pool.queue-timeout=0s               | codex.pool.queue-timeout",
            "codex.restart.max-restarts=-1             | codex.restart.max-restarts",
            "codex.restart.initial-backoff=-1s         | codex.restart.initial-backoff",
            "codex.restart.max-backoff=-1s             | codex.restart.max-backoff",
            "codex.request-timeout=0s                  | codex.request-timeout",
            "codex.startup-timeout=-5s                 | codex.startup-timeout"})
    void aValueThatCannotWorkFailsTheStartNamingTheProperty(String property, String name) {
        runner.withPropertyValues(property).run(context -> {
            assertThat(context).hasFailed();
            assertThat(messages(context.getStartupFailure())).contains(name).contains("must be");
        });
    }

    private static String messages(Throwable failure) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            all.append(t.getMessage()).append('\n');
        }
        return all.toString();
    }

    @Test
    void toStringLeavesOutWhatAnEndpointCarriesBesidesWhereItIs() {
        CodexProperties p = new CodexProperties();
        p.getEndpoints().add(URI.create("wss://svc:pa55w0rd@codex-a:4500/app?token=t0k-9"));
        assertThat(p.toString()).contains("wss://codex-a:4500/app").doesNotContain("pa55w0rd").doesNotContain("t0k-9");
    }

    @Test
    void oneEndpointAndPoolSizeOneIsOneClientAndTwoEndpointsAPool() {
        CodexProperties p = new CodexProperties();
        p.getEndpoints().add(URI.create("ws://a:1"));
        assertThat(p.isPooled()).isFalse();
        p.getEndpoints().add(URI.create("ws://b:1"));
        assertThat(p.isPooled()).isTrue();
    }

    @Test
    void theMetadataDescribesEveryProperty() throws Exception {
        ConfigurationMetadataRepository metadata;
        try (InputStream json = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(json).as("META-INF/spring-configuration-metadata.json on the class path").isNotNull();
            metadata = ConfigurationMetadataRepositoryJsonBuilder.create(json).build();
        }
        assertThat(metadata.getAllProperties()).containsOnlyKeys("codex.enabled", "codex.executable",
                "codex.endpoints", "codex.token", "codex.home", "codex.working-directory", "codex.config",
                "codex.request-timeout", "codex.startup-timeout", "codex.fail-fast", "codex.restart.max-restarts",
                "codex.restart.initial-backoff", "codex.restart.max-backoff", "codex.pool.size",
                "codex.pool.max-turns-per-member", "codex.pool.max-queued-turns-per-member",
                "codex.pool.queue-timeout", "codex.observations.enabled");
        assertThat(metadata.getAllProperties().values()).allSatisfy(p ->
                assertThat(p.getDescription()).as(p.getId()).isNotBlank());
        assertThat(metadata.getAllProperties().get("codex.request-timeout").getDefaultValue()).isEqualTo("60s");
    }
}
