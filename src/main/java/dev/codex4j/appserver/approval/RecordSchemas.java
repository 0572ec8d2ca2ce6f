package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * JSON Schemas derived from Java types (records above all), in the strict shape OpenAI models accept:
 * every property required, no additional properties, definitions inlined.
 */
public final class RecordSchemas {

    private static final SchemaGenerator GENERATOR = generator();
    private static final Map<Class<?>, JsonNode> CACHE = new ConcurrentHashMap<>();

    private RecordSchemas() {}

    private static SchemaGenerator generator() {
        SchemaGeneratorConfigBuilder config = new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12,
                OptionPreset.PLAIN_JSON)
                .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
                .with(Option.INLINE_ALL_SCHEMAS)
                .without(Option.SCHEMA_VERSION_INDICATOR);
        config.forFields().withRequiredCheck(field -> true); // strict mode: every property required
        return new SchemaGenerator(config.build());
    }

    /** The schema of {@code type}: a fresh copy on every call, so callers may modify it. */
    public static JsonNode of(Class<?> type) {
        Objects.requireNonNull(type, "type");
        // JsonNode is mutable: handing out the cached node would let one caller change every later schema
        return CACHE.computeIfAbsent(type, GENERATOR::generateSchema).deepCopy();
    }
}
