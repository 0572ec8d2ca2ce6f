package dev.codex4j.spring.boot;

import dev.codex4j.appserver.AppServerClientBuilder;

/**
 * Adjusts each {@link AppServerClientBuilder} the auto-configuration makes (the client's, or each pool member's)
 * after the {@code codex.*} properties are applied: for what has no property, such as an {@code SSLContext}, a
 * token supplier or {@code experimentalApi}. Declare one or more as beans; they run in {@code @Order}.
 */
@FunctionalInterface
public interface CodexClientCustomizer {

    /**
     * @param member the pool member's name ({@code codex-0}, {@code codex-1}, ...), or {@code null} for the single
     *     client
     */
    void customize(String member, AppServerClientBuilder builder);
}
