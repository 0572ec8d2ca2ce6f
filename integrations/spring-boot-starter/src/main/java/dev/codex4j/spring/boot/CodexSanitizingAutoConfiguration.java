package dev.codex4j.spring.boot;

import java.util.Set;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.context.annotation.Bean;

/**
 * Keeps {@code codex.token} (and the {@code CODEX_TOKEN} environment variable that sets it) masked in Actuator's
 * {@code env} and {@code configprops} endpoints: an application that shows their values
 * ({@code management.endpoint.env.show-values=always}, or {@code when-authorized}) shows every value no
 * {@link SanitizingFunction} masks. Apart from {@link CodexAutoConfiguration}, so the token stays masked with
 * {@code codex.enabled=false} too.
 */
@AutoConfiguration
@ConditionalOnClass(SanitizingFunction.class)
public class CodexSanitizingAutoConfiguration {

    private static final Set<String> TOKEN_KEYS = Set.of("codex.token", "codex_token");

    @Bean
    SanitizingFunction codexTokenSanitizer() {
        return data -> TOKEN_KEYS.contains(data.getLowerCaseKey()) ? data.withSanitizedValue() : data;
    }
}
