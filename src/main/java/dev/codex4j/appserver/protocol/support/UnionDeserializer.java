package dev.codex4j.appserver.protocol.support;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import java.io.IOException;
import java.util.function.Function;

/**
 * Base of the deserializers behind the generated sealed union types. Reads the value as a tree, picks
 * the variant from it and lets Jackson bind the variant record (variant classes opt out of the
 * union's deserializer with {@code @JsonDeserialize(using = JsonDeserializer.None.class)}). Anything
 * it cannot place becomes the union's {@code Unknown...} variant, which keeps the raw JSON, so a newer
 * server never breaks decoding. Support code for generated types, not a public API.
 *
 * @param <T> the sealed union type
 */
public abstract class UnionDeserializer<T> extends StdDeserializer<T> {
    private static final long serialVersionUID = 1L;

    private final transient Function<JsonNode, ? extends T> unknown;

    protected UnionDeserializer(Class<T> unionType, Function<JsonNode, ? extends T> unknown) {
        super(unionType);
        this.unknown = unknown;
    }

    @Override
    public final T deserialize(JsonParser parser, DeserializationContext ctxt) throws IOException {
        return decode(ctxt.readTree(parser), ctxt);
    }

    /** Decodes {@code node} (never Java null; JSON null arrives as a NullNode only inside arrays). */
    protected abstract T decode(JsonNode node, DeserializationContext ctxt) throws IOException;

    /** Binds {@code node} to {@code variant}, or to the unknown variant when {@code variant} is null. */
    protected final T bind(JsonNode node, Class<? extends T> variant, DeserializationContext ctxt)
            throws IOException {
        return variant == null ? unknown.apply(node) : ctxt.readTreeAsValue(node, variant);
    }

    protected final T unknown(JsonNode node) {
        return unknown.apply(node);
    }
}
