package dev.codex4j.appserver.protocol.support;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import java.util.function.Function;

/**
 * Deserializer of an externally tagged union (serde's default enum representation): unit variants
 * are bare strings ({@code "accept"}), data variants are single-key objects
 * ({@code {"acceptWithExecpolicyAmendment": {...}}}). Unknown strings and keys yield the union's
 * unknown variant.
 *
 * @param <T> the sealed union type
 */
public abstract class ExternallyTaggedUnionDeserializer<T> extends UnionDeserializer<T> {
    private static final long serialVersionUID = 1L;

    private final transient Map<String, ? extends T> constants;
    private final transient Map<String, Class<? extends T>> objectVariants;

    protected ExternallyTaggedUnionDeserializer(
            Class<T> unionType,
            Map<String, ? extends T> constants,
            Map<String, Class<? extends T>> objectVariants,
            Function<JsonNode, ? extends T> unknown) {
        super(unionType, unknown);
        this.constants = constants;
        this.objectVariants = objectVariants;
    }

    @Override
    protected T decode(JsonNode node, DeserializationContext ctxt) throws IOException {
        if (node.isTextual()) {
            T constant = constants.get(node.textValue());
            return constant != null ? constant : unknown(node);
        }
        if (node.isObject() && node.size() == 1) {
            return bind(node, objectVariants.get(node.fieldNames().next()), ctxt);
        }
        return unknown(node);
    }
}
