package dev.codex4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.boot.actuate.endpoint.SanitizableData.SANITIZED_VALUE;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * The bearer token stays masked in Actuator's {@code env} and {@code configprops} endpoints even when an
 * application shows their values ({@code management.endpoint.*.show-values=always}, which shows everything that
 * no {@link SanitizingFunction} masks), whether set as {@code codex.token} or as the {@code CODEX_TOKEN}
 * environment variable; other codex properties stay visible.
 */
@Timeout(30)
class CodexSanitizingTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexSanitizingAutoConfiguration.class))
            .withUserConfiguration(CodexPropertiesTest.PropertiesOnly.class);

    @Test
    void theTokenIsMaskedInConfigprops() {
        runner.withPropertyValues("codex.token=tok-5e1f", "codex.home=/srv/codex-home").run(context -> {
            ConfigurationPropertiesReportEndpoint endpoint = new ConfigurationPropertiesReportEndpoint(
                    functions(context), Show.ALWAYS);
            endpoint.setApplicationContext(context);
            Map<String, Object> properties = endpoint.configurationPropertiesWithPrefix("codex").getContexts()
                    .values().iterator().next().getBeans().values().iterator().next().getProperties();
            assertThat(properties.get("token")).isEqualTo(SANITIZED_VALUE);
            assertThat(String.valueOf(properties.get("home"))).endsWith("/srv/codex-home");
        });
    }

    @Test
    void theTokenIsMaskedInEnv() {
        runner.withPropertyValues("codex.token=tok-5e1f", "CODEX_TOKEN=tok-e77a", "codex.home=/srv/codex-home")
                .run(context -> {
                    EnvironmentEndpoint endpoint = new EnvironmentEndpoint(context.getEnvironment(),
                            functions(context), Show.ALWAYS);
                    assertThat(value(endpoint, "codex.token")).isEqualTo(SANITIZED_VALUE);
                    assertThat(value(endpoint, "CODEX_TOKEN")).isEqualTo(SANITIZED_VALUE);
                    assertThat(value(endpoint, "codex.home")).isEqualTo("/srv/codex-home");
                });
    }

    private static Iterable<SanitizingFunction> functions(AssertableApplicationContext context) {
        return context.getBeanProvider(SanitizingFunction.class).orderedStream().toList();
    }

    private static Object value(EnvironmentEndpoint endpoint, String name) {
        return endpoint.environmentEntry(name).getProperty().getValue();
    }
}
