package dev.codex4j.examples.webflux;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The example's own settings ({@code codex-example.*}).
 *
 * @param online          {@code true}: the real service with {@code OPENAI_API_KEY}; {@code false} (default): the
 *                        scripted model on 127.0.0.1
 * @param approvalTimeout how long an approval waits for a click before it is declined
 * @param turnTimeout     how long a turn may run before it is interrupted and ends failed, whatever it waits
 *                        for (a command that never exits, an approval on a page that was closed)
 * @param maxRunningTurns how many turns may run at once (over it, starting a turn answers 429)
 * @param maxPromptLength the longest prompt accepted, in characters
 */
@ConfigurationProperties("codex-example")
record ExampleProperties(
        @DefaultValue("false") boolean online,
        @DefaultValue("120s") Duration approvalTimeout,
        @DefaultValue("15m") Duration turnTimeout,
        @DefaultValue("8") int maxRunningTurns,
        @DefaultValue("4000") int maxPromptLength) {}
