package dev.codex4j.examples.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * A page where a person types a prompt, watches codex's turn stream in (text, commands and their output, file
 * changes as diffs) and answers its approvals with Accept / Decline. Offline by default (the pinned codex
 * against a scripted model on 127.0.0.1); {@code codex-example.online=true} uses the real service with
 * {@code OPENAI_API_KEY}. Run it with {@code scripts/run-webflux-example.sh [--online]}.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WebFluxExampleApplication {

    public static void main(String[] args) {
        SpringApplication.run(WebFluxExampleApplication.class, args);
    }
}
