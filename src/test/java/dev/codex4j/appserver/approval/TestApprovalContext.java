package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/** An {@link ApprovalContext} for unit tests: records events in a list and serves started items from a map. */
final class TestApprovalContext implements ApprovalContext {

    static final String FIXTURES = "/fixtures/real-codex-0.169.0/";

    private final ObjectMapper mapper = AppServerClient.defaultObjectMapper();
    private final Map<String, ThreadItem> startedItems = new ConcurrentHashMap<>();
    private final List<ApprovalEvent> events = Collections.synchronizedList(new ArrayList<>());

    @Override
    public Optional<ThreadItem> startedItem(String itemId) {
        return itemId == null ? Optional.empty() : Optional.ofNullable(startedItems.get(itemId));
    }

    @Override
    public ObjectMapper mapper() {
        return mapper;
    }

    /** One for all unit tests: daemon threads, never disposed, not named like the client's. */
    private static final Scheduler RULES = Schedulers.newBoundedElastic(8, 1000, "test-approval-rules", 60, true);

    @Override
    public Scheduler scheduler() {
        return RULES;
    }

    @Override
    public void record(ApprovalEvent event) {
        events.add(event);
    }

    /** Serves {@code item} as started, keyed by its {@code id}. */
    TestApprovalContext withStartedItem(JsonNode item) {
        try {
            startedItems.put(item.get("id").asText(), mapper.treeToValue(item, ThreadItem.class));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
        return this;
    }

    List<ApprovalEvent> events() {
        synchronized (events) {
            return List.copyOf(events);
        }
    }

    /** The JSON the client would write as the {@code result} of a successful reply. */
    String resultJson(ServerRequestReply reply) {
        if (!(reply instanceof ServerRequestReply.Result result)) {
            throw new AssertionError("expected a result, got " + reply);
        }
        try {
            return mapper.writeValueAsString(result.value());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    JsonNode resultTree(ServerRequestReply reply) {
        return json(resultJson(reply));
    }

    static JsonRpcError error(ServerRequestReply reply) {
        if (!(reply instanceof ServerRequestReply.Error error)) {
            throw new AssertionError("expected an error, got " + reply);
        }
        return error.error();
    }

    JsonNode json(String text) {
        try {
            return mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Every message of a recorded real-codex fixture, in order. */
    List<JsonNode> fixture(String name) {
        try (InputStream in = TestApprovalContext.class.getResourceAsStream(FIXTURES + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no fixture " + name);
            }
            List<JsonNode> messages = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    messages.add(mapper.readTree(line));
                }
            }
            return messages;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The first server request of {@code fixture} with this {@code method}, as the client receives it. */
    IncomingRequest fixtureRequest(String name, String method) {
        JsonNode message = fixtureMessage(name, method);
        return new IncomingRequest(RequestId.of(message.get("id").asLong()), method, message.get("params"));
    }

    /** The item of the first {@code item/started} notification of {@code fixture} whose item has this type. */
    JsonNode fixtureStartedItem(String name, String type) {
        return fixture(name).stream()
                .filter(m -> "item/started".equals(m.path("method").asText()))
                .map(m -> m.path("params").path("item"))
                .filter(item -> type.equals(item.path("type").asText()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no started " + type + " item in " + name));
    }

    /** The first message of {@code fixture} with this {@code method}. */
    JsonNode fixtureMessage(String name, String method) {
        return fixture(name).stream()
                .filter(m -> method.equals(m.path("method").asText()))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no " + method + " in " + name));
    }
}
