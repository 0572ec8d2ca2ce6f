package dev.codex4j.appserver.rpc;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Objects;

/**
 * Reads and writes app-server messages: one JSON object per line, UTF-8, no {@code "jsonrpc"} member.
 *
 * <p>Outgoing members are written in a fixed order ({@code id}, {@code method}, then {@code params},
 * {@code result} or {@code error}) so the bytes on the wire are predictable; {@code params} is left out when
 * {@code null}.
 */
public final class MessageCodec {

    private final ObjectMapper mapper;
    /** Reads incoming lines: the mapper without Jackson's 20M-character limit on one string value. */
    private final ObjectMapper reader;

    public MessageCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.reader = unlimitedStrings(mapper);
    }

    /**
     * The transport already bounds a whole line ({@code maxLineBytes}, 128 MiB by default), so a string
     * inside it needs no bound of its own; Jackson's default one would silently drop a legitimate message
     * with a large file or diff in it as malformed. The caller's mapper is copied, never changed.
     */
    private static ObjectMapper unlimitedStrings(ObjectMapper mapper) {
        ObjectMapper copy;
        try {
            copy = mapper.copy();
        } catch (IllegalStateException e) { // a subclass that cannot be copied: keep its limits
            return mapper;
        }
        copy.getFactory().setStreamReadConstraints(copy.getFactory().streamReadConstraints().rebuild()
                .maxStringLength(Integer.MAX_VALUE).build());
        return copy;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Classifies one line. Jackson reads the bytes as UTF-8 (codex writes nothing else; JSON's encoding
     * detection only picks UTF-16/32 for input with NUL bytes, which valid UTF-8 JSON text cannot contain).
     *
     * @throws MalformedMessageException if the line is not JSON, not an object, or fits no message shape
     */
    public IncomingMessage decode(byte[] buffer, int offset, int length) throws MalformedMessageException {
        JsonNode node;
        try {
            node = reader.readTree(buffer, offset, length);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException("not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedMessageException("not valid JSON: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject()) {
            throw new MalformedMessageException("not a JSON object but " + (node == null ? "nothing" : node.getNodeType()));
        }
        JsonNode method = node.get("method");
        JsonNode id = node.get("id");
        if (method != null) {
            if (!method.isTextual()) {
                throw new MalformedMessageException("\"method\" is not a string");
            }
            if (id == null || id.isNull()) {
                JsonNode emitted = node.get("emittedAtMs");
                Long emittedAtMs = emitted != null && emitted.canConvertToLong() ? emitted.longValue() : null;
                return new Notification(method.textValue(), node.get("params"), emittedAtMs);
            }
            return new ServerRequest(requestId(id), method.textValue(), node.get("params"));
        }
        if (id == null) {
            throw new MalformedMessageException("neither \"method\" nor \"id\"");
        }
        JsonNode error = node.get("error");
        if (error != null && !error.isNull()) {
            return new Response(requestId(id), null, error(error));
        }
        JsonNode result = node.get("result");
        return new Response(requestId(id), result == null ? mapper.nullNode() : result, null);
    }

    /** {@code {"id":id,"method":method,"params":params}}. */
    public byte[] encodeRequest(long id, String method, Object params) {
        return write(gen -> {
            gen.writeNumberField("id", id);
            gen.writeStringField("method", method);
            writeParams(gen, params);
        });
    }

    /** {@code {"method":method,"params":params}}. */
    public byte[] encodeNotification(String method, Object params) {
        return write(gen -> {
            gen.writeStringField("method", method);
            writeParams(gen, params);
        });
    }

    /** {@code {"id":id,"result":result}}, or {@code {"id":id,"error":{...}}}, echoing the id's type. */
    public byte[] encodeReply(RequestId id, ServerRequestReply reply) {
        return write(gen -> {
            writeId(gen, id);
            if (reply instanceof ServerRequestReply.Result result) {
                gen.writeFieldName("result");
                mapper.writeValue(gen, result.value());
            } else {
                JsonRpcError error = ((ServerRequestReply.Error) reply).error();
                gen.writeObjectFieldStart("error");
                gen.writeNumberField("code", error.code());
                gen.writeStringField("message", error.message());
                if (error.data() != null) {
                    gen.writeFieldName("data");
                    mapper.writeTree(gen, error.data());
                }
                gen.writeEndObject();
            }
        });
    }

    private void writeParams(JsonGenerator gen, Object params) throws IOException {
        if (params != null) {
            gen.writeFieldName("params");
            mapper.writeValue(gen, params);
        }
    }

    private static void writeId(JsonGenerator gen, RequestId id) throws IOException {
        if (id instanceof RequestId.Numeric n) {
            gen.writeNumberField("id", n.value());
        } else {
            gen.writeStringField("id", ((RequestId.Text) id).value());
        }
    }

    private interface Body {
        void write(JsonGenerator gen) throws IOException;
    }

    private byte[] write(Body body) {
        try (ByteArrayBuilder out = new ByteArrayBuilder(256);
                JsonGenerator gen = mapper.createGenerator(out)) {
            // Writing params with mapper.writeValue must not close the generator: we still need the '}'.
            gen.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            gen.writeStartObject();
            body.write(gen);
            gen.writeEndObject();
            gen.flush();
            return out.toByteArray();
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot encode message: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // in-memory buffer: not expected
        }
    }

    private static RequestId requestId(JsonNode id) throws MalformedMessageException {
        if (id.isIntegralNumber() && id.canConvertToLong()) {
            return RequestId.of(id.longValue());
        }
        if (id.isTextual()) {
            return RequestId.of(id.textValue());
        }
        throw new MalformedMessageException("\"id\" is neither an integer nor a string: " + id);
    }

    /** Tolerates an error object of the wrong shape: the request it answers must still fail, not hang. */
    private static JsonRpcError error(JsonNode error) {
        if (!error.isObject()) {
            return new JsonRpcError(JsonRpcError.INTERNAL_ERROR, "malformed error: " + error, null);
        }
        JsonNode code = error.get("code");
        JsonNode message = error.get("message");
        JsonNode data = error.get("data");
        return new JsonRpcError(
                code != null && code.canConvertToInt() ? code.intValue() : JsonRpcError.INTERNAL_ERROR,
                message != null && message.isTextual() ? message.textValue() : String.valueOf(message),
                data == null || data.isNull() ? null : data);
    }
}
