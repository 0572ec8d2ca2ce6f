package dev.codex4j.appserver.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;

/**
 * A scripted stand-in for the OpenAI Responses API, so tests can run real codex turns offline.
 *
 * <p>Serves {@code POST /v1/responses} on 127.0.0.1 (ephemeral port). Each request consumes the next
 * {@link Reply} of the script, in order, and is recorded for assertions. When the script runs out the
 * request gets the {@link #whenScriptEmpty responder}'s reply if there is one, else an HTTP 501 saying so, which codex reports verbatim as the turn's error: the test fails
 * loudly instead of hanging.
 *
 * <pre>{@code
 * try (var model = ScriptedModel.start()) {
 *     model.enqueue(Reply.escalatedExecCommand("call-1", "echo hi > out.txt", "write a file"),
 *                   Reply.message("done"));
 *     ... point codex at model.baseUrl() (see RealCodex) and run a turn ...
 *     model.awaitRequests(2, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class ScriptedModel implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RESPONSES_PATH = "/v1/responses";

    private final LoopbackHttpServer server;
    private final Map<String, AtomicInteger> idSequences = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private final Object lock = new Object();
    private final Deque<Reply> script = new ArrayDeque<>();
    private Function<RecordedRequest, Reply> whenScriptEmpty;
    private final List<RecordedRequest> requests = new ArrayList<>();
    private final List<CompletableFuture<RecordedRequest>> arrivals = new ArrayList<>();

    private ScriptedModel() {
        this.server = LoopbackHttpServer.serve("scripted-model", this::handle);
    }

    /** Starts a server on 127.0.0.1 with an ephemeral port and an empty script. */
    public static ScriptedModel start() {
        return new ScriptedModel();
    }

    /** Appends replies to the script; each later POST consumes one, in order. */
    public ScriptedModel enqueue(Reply... replies) {
        synchronized (lock) {
            script.addAll(Arrays.asList(replies));
        }
        return this;
    }

    /**
     * Answers each request that finds the script empty with {@code responder}'s reply to it, instead of the
     * HTTP 501: for a model whose requests cannot be numbered in advance, such as the turns of several users
     * at once, where the reply must depend on the conversation in the request (see
     * {@link RecordedRequest#body()}). The responder runs on the server's threads, for concurrent requests at
     * once, and must not return {@code null}.
     */
    public ScriptedModel whenScriptEmpty(Function<RecordedRequest, Reply> responder) {
        Objects.requireNonNull(responder, "responder");
        synchronized (lock) {
            whenScriptEmpty = responder;
        }
        return this;
    }

    /** The base URL to configure as the provider's {@code base_url}, e.g. {@code http://127.0.0.1:4711/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    /** The port the server listens on. */
    public int port() {
        return server.port();
    }

    /** How many scripted replies have not been consumed yet. */
    public int remainingReplies() {
        synchronized (lock) {
            return script.size();
        }
    }

    /** A snapshot of the requests received so far, in arrival order. */
    public List<RecordedRequest> requests() {
        synchronized (lock) {
            return List.copyOf(requests);
        }
    }

    /** Completes when the request with this zero-based index has arrived (already complete if it has). */
    public CompletableFuture<RecordedRequest> request(int index) {
        if (index < 0) {
            throw new IllegalArgumentException("index must be >= 0: " + index);
        }
        synchronized (lock) {
            return arrival(index).copy();
        }
    }

    /**
     * Blocks until at least {@code count} requests have arrived and returns the first {@code count}.
     *
     * @throws AssertionError if they do not arrive within {@code timeout}
     */
    public List<RecordedRequest> awaitRequests(int count, Duration timeout) {
        if (count <= 0) {
            return List.of();
        }
        try {
            request(count - 1).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("expected " + count + " request(s) to the scripted model within "
                    + timeout + " but got " + requests().size());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while awaiting requests", e);
        } catch (ExecutionException e) {
            throw new AssertionError(e.getCause());
        }
        return requests().subList(0, count);
    }

    /** Stops the server at once and releases its threads. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        server.close();
    }

    private CompletableFuture<RecordedRequest> arrival(int index) {
        while (arrivals.size() <= index) {
            arrivals.add(new CompletableFuture<>());
        }
        return arrivals.get(index);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String method = exchange.getRequestMethod();
            String path = exchange.getRequestURI().getPath();
            if (!"POST".equals(method) || !RESPONSES_PATH.equals(path)) {
                sendError(exchange, 404, "ScriptedModel serves only POST " + RESPONSES_PATH + ", got " + method + " " + path);
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(readBody(exchange));
            } catch (IOException | IllegalArgumentException e) {
                sendError(exchange, 400, "ScriptedModel could not read the request body: " + e.getMessage());
                return;
            }
            Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
            exchange.getRequestHeaders().forEach((name, values) -> headers.put(name, List.copyOf(values)));
            RecordedRequest recorded = new RecordedRequest(path, Collections.unmodifiableMap(headers), body);

            int number;
            Reply reply;
            Function<RecordedRequest, Reply> responder;
            CompletableFuture<RecordedRequest> arrival;
            synchronized (lock) {
                number = requests.size() + 1;
                requests.add(recorded);
                arrival = arrival(number - 1);
                reply = script.poll();
                responder = whenScriptEmpty;
            }
            arrival.complete(recorded);
            if (reply == null && responder != null) {
                reply = Objects.requireNonNull(responder.apply(recorded), "the responder returned no reply");
            }

            if (reply == null) {
                // Not 500: codex replaces a 500's body with a canned "high demand" message, but shows a 501's verbatim.
                sendError(exchange, 501, "ScriptedModel script exhausted: request #" + number
                        + " arrived but no reply was scripted for it");
            } else {
                reply.writeTo(exchange, this::nextId);
            }
        } catch (RuntimeException e) {
            // HttpServer swallows handler exceptions silently; make the cause visible in the test log.
            System.err.println("ScriptedModel handler failed: " + e);
            throw e;
        }
    }

    private static byte[] readBody(HttpExchange exchange) throws IOException {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        try (InputStream in = exchange.getRequestBody()) {
            if (encoding == null || encoding.equalsIgnoreCase("identity")) {
                return in.readAllBytes();
            }
            if (encoding.equalsIgnoreCase("gzip")) {
                return new GZIPInputStream(in).readAllBytes();
            }
            throw new IllegalArgumentException("unsupported Content-Encoding " + encoding);
        }
    }

    private String nextId(String prefix) {
        return prefix + "_" + idSequences.computeIfAbsent(prefix, p -> new AtomicInteger()).incrementAndGet();
    }

    private static void sendError(HttpExchange exchange, int status, String message) throws IOException {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error").put("message", message).put("type", "scripted_model_error");
        byte[] bytes = body.toString().getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    /**
     * One request as the scripted model received it.
     *
     * @param path the request path, e.g. {@code /v1/responses}
     * @param headers the request headers; lookups ignore case
     * @param body the parsed JSON body ({@code model}, {@code input}, {@code tools}, ...)
     */
    public record RecordedRequest(String path, Map<String, List<String>> headers, JsonNode body) {

        /** The first value of a header, or {@code null} if absent. */
        public String header(String name) {
            List<String> values = headers.get(name);
            return values == null || values.isEmpty() ? null : values.get(0);
        }

        /** The items of the body's {@code input} array with this {@code type}, e.g. {@code function_call_output}. */
        public List<JsonNode> inputItems(String type) {
            return StreamSupport.stream(body.path("input").spliterator(), false)
                    .filter(item -> type.equals(item.path("type").asText()))
                    .toList();
        }
    }

    /**
     * One scripted answer to one request: either a stream of output items (HTTP 200, server-sent events)
     * or an HTTP error. Immutable; item ids are assigned when the reply is served.
     */
    public static final class Reply {

        private static final int DEFAULT_INPUT_TOKENS = 10;
        private static final int DEFAULT_OUTPUT_TOKENS = 5;

        private final int errorStatus;
        private final String errorBody;
        private final List<OutputItem> items;
        private final int inputTokens;
        private final int outputTokens;

        private Reply(int errorStatus, String errorBody, List<OutputItem> items, int inputTokens, int outputTokens) {
            this.errorStatus = errorStatus;
            this.errorBody = errorBody;
            this.items = List.copyOf(items);
            this.inputTokens = inputTokens;
            this.outputTokens = outputTokens;
        }

        private static Reply of(OutputItem item) {
            return new Reply(0, null, List.of(item), DEFAULT_INPUT_TOKENS, DEFAULT_OUTPUT_TOKENS);
        }

        /** A complete assistant message in one event; codex reports it as an {@code agentMessage} item. */
        public static Reply message(String text) {
            return of((events, ids) -> events.outputItemDone(assistantMessage(ids.next("msg"), text)));
        }

        /**
         * An assistant message streamed in chunks: {@code output_item.added}, one {@code output_text.delta}
         * per chunk, then {@code output_item.done} with the joined text.
         */
        public static Reply streamedMessage(String... chunks) {
            List<String> parts = List.of(chunks);
            return of((events, ids) -> {
                String id = ids.next("msg");
                ObjectNode added = JSON.createObjectNode();
                added.put("type", "message").put("role", "assistant").put("id", id).putArray("content");
                events.emit("response.output_item.added", JSON.createObjectNode().set("item", added));
                for (String part : parts) {
                    events.emit("response.output_text.delta",
                            JSON.createObjectNode().put("item_id", id).put("delta", part));
                }
                events.outputItemDone(assistantMessage(id, String.join("", parts)));
            });
        }

        /** A call of the tool {@code name} with {@code argumentsJson} (a JSON object, as a string). */
        public static Reply functionCall(String callId, String name, String argumentsJson) {
            return of((events, ids) -> {
                ObjectNode item = JSON.createObjectNode();
                item.put("type", "function_call").put("call_id", callId).put("name", name).put("arguments", argumentsJson);
                events.outputItemDone(item);
            });
        }

        /** An {@code exec_command} tool call that runs {@code cmd} inside the sandbox. */
        public static Reply execCommand(String callId, String cmd) {
            return functionCall(callId, "exec_command", JSON.createObjectNode().put("cmd", cmd).toString());
        }

        /**
         * An {@code exec_command} tool call that asks to run outside the sandbox; with
         * {@code approval_policy=on-request} codex sends {@code item/commandExecution/requestApproval}.
         */
        public static Reply escalatedExecCommand(String callId, String cmd, String justification) {
            String arguments = JSON.createObjectNode()
                    .put("cmd", cmd)
                    .put("sandbox_permissions", "require_escalated")
                    .put("justification", justification)
                    .toString();
            return functionCall(callId, "exec_command", arguments);
        }

        /**
         * An {@code exec_command} tool call running an {@code apply_patch} heredoc that adds one file;
         * under a read-only sandbox codex sends {@code item/fileChange/requestApproval}. Every line of
         * {@code content} becomes a line of the file, which ends with a newline.
         */
        public static Reply applyPatchAddFile(String callId, String fileName, String content) {
            StringBuilder cmd = new StringBuilder("apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: ")
                    .append(fileName).append('\n');
            for (String line : content.split("\n", -1)) {
                if (line.equals("EOF")) {
                    throw new IllegalArgumentException("content must not contain a line 'EOF' (the heredoc delimiter)");
                }
                cmd.append('+').append(line).append('\n');
            }
            if (content.endsWith("\n")) {
                // split(-1) leaves an empty last element for the trailing newline; it is not an extra line.
                cmd.setLength(cmd.length() - 2);
            }
            cmd.append("*** End Patch\nEOF\n");
            return execCommand(callId, cmd.toString());
        }

        /**
         * A non-2xx answer with a JSON body, e.g. {@code httpError(500, "{\"error\":{\"message\":\"boom\"}}")}.
         * Codex shows most bodies in the turn error, but replaces a 500's with a canned "high demand" message.
         */
        public static Reply httpError(int status, String jsonBody) {
            if (status < 300 || status > 599) {
                throw new IllegalArgumentException("not an error status: " + status);
            }
            return new Reply(status, jsonBody, List.of(), 0, 0);
        }

        /** This reply's output items followed by {@code next}'s, in one response (e.g. a message, then a tool call). */
        public Reply followedBy(Reply next) {
            if (errorBody != null || next.errorBody != null) {
                throw new IllegalStateException("an HTTP error reply cannot be combined with other output");
            }
            List<OutputItem> combined = new ArrayList<>(items);
            combined.addAll(next.items);
            return new Reply(0, null, combined, inputTokens, outputTokens);
        }

        /** The token usage reported in {@code response.completed} (defaults: 10 in, 5 out). */
        public Reply withUsage(int inputTokens, int outputTokens) {
            if (errorBody != null) {
                throw new IllegalStateException("an HTTP error reply has no usage");
            }
            return new Reply(0, null, items, inputTokens, outputTokens);
        }

        private void writeTo(HttpExchange exchange, IdSource ids) throws IOException {
            if (errorBody != null) {
                byte[] bytes = errorBody.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(errorStatus, bytes.length);
                exchange.getResponseBody().write(bytes);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
            exchange.getResponseHeaders().set("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0); // chunked: events are flushed one by one, like a real stream
            EventWriter events = new EventWriter(exchange.getResponseBody());
            String responseId = ids.next("resp");
            ObjectNode created = JSON.createObjectNode();
            created.putObject("response").put("id", responseId);
            events.emit("response.created", created);
            for (OutputItem item : items) {
                item.emit(events, ids);
            }
            ObjectNode completed = JSON.createObjectNode();
            ObjectNode usage = completed.putObject("response").put("id", responseId).putObject("usage");
            usage.put("input_tokens", inputTokens)
                    .putNull("input_tokens_details")
                    .put("output_tokens", outputTokens)
                    .putNull("output_tokens_details")
                    .put("total_tokens", inputTokens + outputTokens);
            events.emit("response.completed", completed);
        }

        private static ObjectNode assistantMessage(String id, String text) {
            ObjectNode item = JSON.createObjectNode();
            item.put("type", "message").put("role", "assistant").put("id", id);
            ArrayNode content = item.putArray("content");
            content.addObject().put("type", "output_text").put("text", text);
            return item;
        }
    }

    @FunctionalInterface
    private interface IdSource {
        String next(String prefix);
    }

    @FunctionalInterface
    private interface OutputItem {
        void emit(EventWriter events, IdSource ids) throws IOException;
    }

    /** Writes server-sent events; codex takes the event kind from the {@code type} field of the data. */
    private static final class EventWriter {
        private final OutputStream out;

        EventWriter(OutputStream out) {
            this.out = out;
        }

        void emit(String type, ObjectNode data) throws IOException {
            ObjectNode withType = JSON.createObjectNode().put("type", type);
            withType.setAll(data);
            String event = "event: " + type + "\ndata: " + withType + "\n\n";
            out.write(event.getBytes(StandardCharsets.UTF_8));
            out.flush();
        }

        void outputItemDone(ObjectNode item) throws IOException {
            emit("response.output_item.done", JSON.createObjectNode().set("item", item));
        }
    }
}
