package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A JSON value kept as the raw bytes the reader skipped over, read into a tree only when asked, once; every
 * caller sees the same tree. The reader checked the bytes' syntax already, so reading them fails only if
 * that check and Jackson's databind disagree.
 */
final class LazyJson {

    private static final VarHandle TREE;

    static {
        try {
            TREE = MethodHandles.lookup().findVarHandle(LazyJson.class, "tree", JsonNode.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** {@code null} when built from a tree. */
    private final byte[] raw;
    private final ObjectMapper mapper;
    @SuppressWarnings("unused") // through TREE
    private volatile JsonNode tree;

    private LazyJson(byte[] raw, ObjectMapper mapper, JsonNode tree) {
        this.raw = raw;
        this.mapper = mapper;
        this.tree = tree;
    }

    static LazyJson ofRaw(byte[] raw, ObjectMapper mapper) {
        return new LazyJson(raw, mapper, null);
    }

    /** How many raw bytes wait to be read into a tree; 0 once read, or if it never was raw. */
    int unreadBytes() {
        return raw == null || TREE.getAcquire(this) != null ? 0 : raw.length;
    }

    static LazyJson ofTree(JsonNode tree) {
        return new LazyJson(null, null, tree);
    }

    /**
     * The tree, read on first use.
     *
     * @param what and {@code of} name the value in the exception, e.g. "the params of" and "turn/started"
     *     (joined only then: this is on the hot path)
     * @throws UncheckedIOException if the bytes are not valid JSON after all
     */
    JsonNode tree(String what, Object of) {
        JsonNode node = (JsonNode) TREE.getAcquire(this);
        if (node != null) {
            return node;
        }
        JsonNode parsed;
        try {
            parsed = mapper.readTree(raw);
        } catch (IOException e) {
            throw new UncheckedIOException(what + " " + of + " is not valid JSON: " + e.getMessage(), e);
        }
        JsonNode witness = (JsonNode) TREE.compareAndExchangeRelease(this, null, parsed);
        return witness == null ? parsed : witness;
    }

    /** Decodes with {@code reader}: from the tree if one was built, else straight from the bytes. */
    <T> T read(ObjectReader reader) throws IOException {
        JsonNode node = (JsonNode) TREE.getAcquire(this);
        return node != null ? reader.readValue(node) : reader.readValue(raw);
    }
}
