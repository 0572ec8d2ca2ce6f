package dev.codex4j.appserver.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** Reads an id out of the raw params of a message this version does not know (for the generated unknown variants). */
final class RawIds {

    private RawIds() {}

    /** The top-level string property {@code name} of {@code params}; empty if absent, not a string, or no params. */
    static Optional<String> string(JsonNode params, String name) {
        JsonNode id = params == null ? null : params.get(name);
        return id != null && id.isTextual() ? Optional.of(id.textValue()) : Optional.empty();
    }
}
