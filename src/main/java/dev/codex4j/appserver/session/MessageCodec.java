package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.IncomingMessage;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
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
    /** Creates the parser that classifies each line: the reader's own factory, with {@link ParserBuffers}. */
    private final JsonFactory lines;

    public MessageCodec(ObjectMapper mapper) {
        this.mapper = Objects.requireNonNull(mapper, "mapper");
        this.reader = forReading(mapper);
        this.lines = reader.getFactory().copy().setRecyclerPool(new ParserBuffers());
    }

    /**
     * The transport already bounds a whole line ({@code maxLineBytes}, 128 MiB by default), so a string
     * inside it needs no bound of its own; Jackson's default one would silently drop a legitimate message
     * with a large file or diff in it as malformed. The copy also reads UTF-8 without guessing. The caller's
     * mapper is copied, never changed.
     */
    @SuppressWarnings("deprecation") // JsonFactory.disable: the builder route (copyWith) refuses JsonMapper
    private static ObjectMapper forReading(ObjectMapper mapper) {
        ObjectMapper copy;
        try {
            copy = mapper.copy();
        } catch (IllegalStateException e) { // a subclass that cannot be copied: keep its settings
            return mapper;
        }
        JsonFactory factory = copy.getFactory();
        factory.setStreamReadConstraints(factory.streamReadConstraints().rebuild()
                .maxStringLength(Integer.MAX_VALUE).build());
        // codex writes UTF-8 (JSON's rule between systems): guessing the charset of every line cost the reader
        // a tenth of its time. A line led by a byte order mark is malformed (RFC 8259 allows that).
        factory.disable(JsonFactory.Feature.CHARSET_DETECTION);
        return copy;
    }

    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * The mapper incoming messages are read with: a copy of the caller's without a limit on string length,
     * reading UTF-8 only.
     */
    public ObjectMapper reader() {
        return reader;
    }

    /**
     * Classifies one line with Jackson's streaming parser, without building a tree of the whole message: it
     * reads {@code method}, {@code id} and {@code emittedAtMs}, and keeps a notification's {@code params} as
     * raw bytes for {@link Notification} to decode on demand (skipping over them still checks their syntax and
     * UTF-8, so a line accepted here is valid JSON). The bytes are read as UTF-8, without Jackson's charset
     * detection (see {@link #reader()}).
     *
     * @throws MalformedMessageException if the line is not JSON, not an object, or fits no message shape
     */
    public IncomingMessage decode(byte[] buffer, int offset, int length) throws MalformedMessageException {
        try (JsonParser p = lines.createParser(buffer, offset, length)) {
            JsonToken first = p.nextToken();
            if (first != JsonToken.START_OBJECT) {
                if (first == null) {
                    throw new MalformedMessageException("not a JSON object but nothing");
                }
                JsonNode node = reader.readTree(p); // to name what it is, and to report invalid JSON as such
                requireEnd(p);
                throw new MalformedMessageException("not a JSON object but " + node.getNodeType());
            }
            return decodeObject(p, buffer, offset, length);
        } catch (JsonProcessingException e) {
            throw new MalformedMessageException("not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new MalformedMessageException("not valid JSON: " + e.getMessage(), e);
        }
    }

    /**
     * A result this short is read into a tree right away, with the parser at hand: reading it later would
     * need a parser of its own, which costs more than the reading. Longer ones (thread histories, file
     * contents) are kept raw and read by the thread that completes the request.
     */
    private static final int SMALL_RESULT_BYTES = 512;

    private IncomingMessage decodeObject(JsonParser p, byte[] buffer, int offset, int length)
            throws IOException, MalformedMessageException {
        String method = null;
        boolean methodSeen = false;
        RequestId id = null;
        boolean idSeen = false;
        Long emittedAtMs = null;
        byte[] rawParams = null;
        JsonNode params = null;
        JsonNode result = null;
        byte[] rawResult = null;
        JsonNode error = null;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            switch (name) {
                case "method" -> {
                    methodSeen = true;
                    method = value == JsonToken.VALUE_STRING ? p.getText() : null;
                    p.skipChildren();
                }
                case "id" -> {
                    idSeen = true;
                    id = requestId(p, value);
                }
                case "params" -> {
                    params = null;
                    rawParams = null;
                    if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
                        rawParams = rawValue(p, buffer, offset);
                    } else if (value != JsonToken.VALUE_NULL) {
                        params = reader.readTree(p);
                    }
                }
                case "emittedAtMs" -> {
                    emittedAtMs = value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                            ? p.getLongValue() : null;
                    p.skipChildren();
                }
                case "result" -> {
                    result = null;
                    rawResult = null;
                    int rest = length - (int) p.currentTokenLocation().getByteOffset();
                    if ((value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) && rest > SMALL_RESULT_BYTES) {
                        rawResult = rawValue(p, buffer, offset);
                    } else {
                        result = reader.readTree(p);
                    }
                }
                case "error" -> error = reader.readTree(p);
                default -> p.skipChildren();
            }
        }
        requireEnd(p);
        if (methodSeen) {
            if (method == null) {
                throw new MalformedMessageException("\"method\" is not a string");
            }
            if (id == null) {
                return params != null ? new Notification(method, params, emittedAtMs)
                        : Notification.ofRaw(method, rawParams, emittedAtMs, reader);
            }
            JsonNode requestParams = params != null ? params : rawParams == null ? null : reader.readTree(rawParams);
            return new IncomingRequest(id, method, requestParams);
        }
        if (!idSeen) {
            throw new MalformedMessageException("neither \"method\" nor \"id\"");
        }
        if (error != null && !error.isNull()) {
            return new Response(requireId(id), null, error(error));
        }
        if (rawResult != null) {
            return Response.ofRaw(requireId(id), rawResult, reader);
        }
        return new Response(requireId(id), result == null ? mapper.nullNode() : result, null);
    }

    /** The bytes of the object or array the parser is at, which it skips (checking their syntax). */
    private static byte[] rawValue(JsonParser p, byte[] buffer, int offset) throws IOException {
        int from = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        int to = (int) p.currentLocation().getByteOffset();
        return Arrays.copyOfRange(buffer, offset + from, offset + to);
    }

    /** After the message's closing brace (or the one value): anything but the end of the line is malformed. */
    private static void requireEnd(JsonParser p) throws IOException, MalformedMessageException {
        JsonToken after = p.nextToken();
        if (after != null) {
            throw new MalformedMessageException("trailing content after the JSON value: " + after);
        }
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

    /** The id the parser is at; {@code null} for a JSON null (a notification's). */
    private static RequestId requestId(JsonParser p, JsonToken value) throws IOException, MalformedMessageException {
        if (value == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            return RequestId.of(p.getLongValue());
        }
        if (value == JsonToken.VALUE_STRING) {
            return RequestId.of(p.getText());
        }
        if (value == JsonToken.VALUE_NULL) {
            return null;
        }
        throw new MalformedMessageException("\"id\" is neither an integer nor a string: "
                + (value.isStructStart() ? value.asString() + "..." : p.getText()));
    }

    private static RequestId requireId(RequestId id) throws MalformedMessageException {
        if (id == null) {
            throw new MalformedMessageException("a response with a null \"id\"");
        }
        return id;
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
