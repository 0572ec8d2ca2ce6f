package dev.codex4j.appserver.protocol.support;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import java.util.function.Function;

/**
 * Deserializer of an untagged union whose alternatives are different kinds of JSON value (e.g.
 * {@code RequestId}: a string or an integer). The variant is chosen by the kind of the JSON value; an
 * integer also matches a {@link JsonKind#NUMBER} alternative.
 *
 * @param <T> the sealed union type
 */
public abstract class JsonKindUnionDeserializer<T> extends UnionDeserializer<T> {
    private static final long serialVersionUID = 1L;

    /** The JSON value kinds an alternative can be told apart by. */
    public enum JsonKind {
        STRING,
        INTEGER,
        NUMBER,
        BOOLEAN,
        ARRAY,
        OBJECT
    }

    private final transient Map<JsonKind, Class<? extends T>> variants;

    protected JsonKindUnionDeserializer(
            Class<T> unionType, Map<JsonKind, Class<? extends T>> variants, Function<JsonNode, ? extends T> unknown) {
        super(unionType, unknown);
        this.variants = variants;
    }

    @Override
    protected T decode(JsonNode node, DeserializationContext ctxt) throws IOException {
        Class<? extends T> variant = null;
        if (node.isTextual()) {
            variant = variants.get(JsonKind.STRING);
        } else if (node.isIntegralNumber()) {
            variant = variants.getOrDefault(JsonKind.INTEGER, variants.get(JsonKind.NUMBER));
        } else if (node.isNumber()) {
            variant = variants.get(JsonKind.NUMBER);
        } else if (node.isBoolean()) {
            variant = variants.get(JsonKind.BOOLEAN);
        } else if (node.isArray()) {
            variant = variants.get(JsonKind.ARRAY);
        } else if (node.isObject()) {
            variant = variants.get(JsonKind.OBJECT);
        }
        return bind(node, variant, ctxt);
    }
}
