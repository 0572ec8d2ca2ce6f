package dev.codex4j.appserver.protocol.support;

import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Map;
import java.util.function.Function;

/**
 * Deserializer of an internally tagged union: a JSON object whose discriminator property (e.g.
 * {@code "type"}) names the variant. Unknown or missing tags yield the union's unknown variant.
 *
 * @param <T> the sealed union type
 */
public abstract class TaggedUnionDeserializer<T> extends UnionDeserializer<T> {
    private static final long serialVersionUID = 1L;

    private final String tagProperty;
    private final transient Map<String, Class<? extends T>> variants;

    protected TaggedUnionDeserializer(
            Class<T> unionType,
            String tagProperty,
            Map<String, Class<? extends T>> variants,
            Function<JsonNode, ? extends T> unknown) {
        super(unionType, unknown);
        this.tagProperty = tagProperty;
        this.variants = variants;
    }

    @Override
    protected T decode(JsonNode node, DeserializationContext ctxt) throws IOException {
        JsonNode tag = node.get(tagProperty);
        boolean tagged = node.isObject() && tag != null && tag.isTextual();
        return bind(node, tagged ? variants.get(tag.textValue()) : null, ctxt);
    }
}
