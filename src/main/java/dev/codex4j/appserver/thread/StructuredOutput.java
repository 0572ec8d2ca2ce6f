package dev.codex4j.appserver.thread;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.victools.jsonschema.generator.Option;
import com.github.victools.jsonschema.generator.OptionPreset;
import com.github.victools.jsonschema.generator.SchemaGenerator;
import com.github.victools.jsonschema.generator.SchemaGeneratorConfigBuilder;
import com.github.victools.jsonschema.generator.SchemaVersion;

/**
 * Derives the {@code outputSchema} of a turn from a Java type and decodes the final message into it.
 *
 * <p>Codex passes the schema to the model as {@code text.format = {type: "json_schema", strict: true, ...}}, and
 * OpenAI's strict mode accepts only a subset of JSON Schema: every object closed
 * ({@code additionalProperties: false}) with every property listed in {@code required}, no {@code $schema}.
 */
final class StructuredOutput {

    private static final SchemaGenerator GENERATOR = generator();

    private static final ClassValue<ObjectNode> SCHEMAS = new ClassValue<>() {
        @Override
        protected ObjectNode computeValue(Class<?> type) {
            return GENERATOR.generateSchema(type);
        }
    };

    private StructuredOutput() {}

    private static SchemaGenerator generator() {
        SchemaGeneratorConfigBuilder config =
                new SchemaGeneratorConfigBuilder(SchemaVersion.DRAFT_2020_12, OptionPreset.PLAIN_JSON)
                        .with(Option.FORBIDDEN_ADDITIONAL_PROPERTIES_BY_DEFAULT)
                        .without(Option.SCHEMA_VERSION_INDICATOR);
        config.forFields().withRequiredCheck(field -> true);
        return new SchemaGenerator(config.build());
    }

    /** The strict JSON Schema of {@code type} (a copy: callers may change it). */
    static ObjectNode schemaOf(Class<?> type) {
        if (type.isPrimitive() || type.isArray() || type.getName().startsWith("java.")) {
            // The Responses API wants an object at the root.
            throw new IllegalArgumentException("structured output needs a record or class, not " + type.getName());
        }
        return SCHEMAS.get(type).deepCopy();
    }

    /** The final message of a completed turn decoded into {@code type}. */
    static <T> T decode(TurnResult result, Class<T> type, ObjectMapper mapper) {
        result.requireCompleted();
        String text = result.finalResponse();
        if (text == null) {
            throw new StructuredOutputException(type, null, null);
        }
        try {
            // As strict as the schema: every property present, none unknown, nothing after the object.
            T value = mapper.readerFor(type)
                    .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES,
                            DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES,
                            DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES,
                            DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readValue(text);
            if (value == null) {
                throw new StructuredOutputException(type, text, new IllegalArgumentException("the message is JSON null"));
            }
            return value;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new StructuredOutputException(type, text, e);
        }
    }
}
