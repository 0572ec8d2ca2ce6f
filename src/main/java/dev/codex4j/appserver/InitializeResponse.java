package dev.codex4j.appserver;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * What the app-server answers to {@code initialize}.
 *
 * @param userAgent e.g. {@code "my-service/0.169.0 (Debian 12.0.0; x86_64) ..."}
 * @param codexHome the {@code CODEX_HOME} the server uses
 * @param platformFamily e.g. {@code "unix"}
 * @param platformOs e.g. {@code "linux"}
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record InitializeResponse(String userAgent, String codexHome, String platformFamily, String platformOs) {}
