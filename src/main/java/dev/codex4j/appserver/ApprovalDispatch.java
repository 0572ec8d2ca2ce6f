package dev.codex4j.appserver;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.approval.ApprovalContext;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import dev.codex4j.appserver.session.Broadcast;
import dev.codex4j.appserver.session.ServerRequestHandler;
import dev.codex4j.appserver.transport.SecretRedactor;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * The client's answers to server requests: its {@link ApprovalDecisions}, or a thread's override; the items
 * codex announced (for the rules); and the audit stream of what was decided.
 */
final class ApprovalDispatch implements ServerRequestHandler {

    private static final Logger log = LoggerFactory.getLogger(AppServerClient.class);
    private static final int MAX_TRACKED_ITEMS = 4096;

    private final ApprovalDecisions approvals;
    private final ObjectMapper mapper;
    private final SecretRedactor redactor;
    private final int bufferSize;
    private final ClientObserver observer;
    /** Command and file-change items announced by item/started and not yet completed, for approval rules. */
    private final Map<String, JsonNode> startedItems = new ConcurrentHashMap<>();
    private final Map<String, ApprovalDecisions> overrides = new ConcurrentHashMap<>();
    private volatile Broadcast<ApprovalEvent> events;

    ApprovalDispatch(ApprovalDecisions approvals, ObjectMapper mapper, SecretRedactor redactor, int bufferSize,
            ClientObserver observer) {
        this.approvals = approvals;
        this.observer = observer;
        this.mapper = mapper;
        this.redactor = redactor;
        this.bufferSize = bufferSize;
    }

    /** Called once, by the client's constructor, before anyone can subscribe or a request can arrive. */
    void attach(Scheduler dispatch) {
        events = new Broadcast<>(dispatch, bufferSize);
    }

    Flux<ApprovalEvent> events() {
        return events.flux();
    }

    Disposable override(String threadId, ApprovalDecisions approvals) {
        overrides.put(threadId, approvals);
        return () -> overrides.remove(threadId, approvals);
    }

    @Override
    public Mono<ServerRequestReply> handle(IncomingRequest request, Scheduler scheduler) {
        ClientObserver.Activity activity = observer.enabled()
                ? observer.serverRequestStarted(request.method(), threadIdOf(request)) : ClientObserver.Activity.NONE;
        return approvalsFor(request).handle(request, new Context(scheduler, activity));
    }

    @Override
    public ServerRequestReply fallback(IncomingRequest request) {
        return ApprovalDecisions.safeDefault(request);
    }

    @Override
    public void observeItem(Notification notification) {
        switch (notification.method()) {
            case "item/started" -> {
                JsonNode item = notification.params().get("item");
                String type = item == null ? "" : item.path("type").asText();
                if ((type.equals("fileChange") || type.equals("commandExecution")) && item.hasNonNull("id")) {
                    if (startedItems.size() >= MAX_TRACKED_ITEMS) {
                        startedItems.clear(); // items that never completed; do not grow without bound
                    }
                    startedItems.put(item.get("id").asText(), item);
                }
            }
            case "item/completed" -> {
                JsonNode id = notification.params().path("item").get("id");
                if (id != null) {
                    startedItems.remove(id.asText());
                }
            }
            default -> { }
        }
    }

    @Override
    public void connectionEnded() {
        startedItems.clear();
    }

    @Override
    public void sessionEnded() {
        events.complete();
    }

    /** A thread's override takes precedence for the request kinds it has a handler for. */
    private ApprovalDecisions approvalsFor(IncomingRequest request) {
        if (overrides.isEmpty()) {
            return approvals;
        }
        String threadId = threadIdOf(request);
        ApprovalDecisions override = threadId == null ? null : overrides.get(threadId);
        return override != null && override.hasHandlerFor(request.method()) ? override : approvals;
    }

    private static String threadIdOf(IncomingRequest request) {
        JsonNode threadId = request.params().get("threadId");
        return threadId == null || !threadId.isTextual() ? null : threadId.asText();
    }

    /** Gives approval rules the announced items and records decisions, redacted. */
    private final class Context implements ApprovalContext {

        private final Scheduler scheduler;
        private final ClientObserver.Activity activity;
        /** Whether the activity has been stopped: the first record ends it (a cancel may follow an answer). */
        private final AtomicBoolean reported = new AtomicBoolean();

        Context(Scheduler scheduler, ClientObserver.Activity activity) {
            this.scheduler = scheduler;
            this.activity = activity;
        }

        @Override
        public Optional<ThreadItem> startedItem(String itemId) {
            JsonNode item = itemId == null ? null : startedItems.get(itemId);
            if (item == null) {
                return Optional.empty();
            }
            try {
                return Optional.ofNullable(mapper.treeToValue(item, ThreadItem.class));
            } catch (IOException | IllegalArgumentException e) {
                log.warn("cannot decode item {}: {}", itemId, redactor.redact(e.getMessage()));
                return Optional.empty();
            }
        }

        @Override
        public ObjectMapper mapper() {
            return mapper;
        }

        @Override
        public Scheduler scheduler() {
            return scheduler;
        }

        @Override
        public void record(ApprovalEvent event) {
            ApprovalEvent redacted = event.withDecision(redactor.redact(event.decision()));
            log.debug("server request {} {} answered by {}: {}", redacted.method(), redacted.requestId(),
                    redacted.decidedBy(), redacted.decision());
            events.publish(redacted);
            if (reported.compareAndSet(false, true)) {
                report(event);
            }
        }

        private void report(ApprovalEvent event) {
            activity.decided(event.decision(), event.decidedBy().name().toLowerCase(Locale.ROOT));
            activity.stop(event.decidedBy() == ApprovalEvent.DecidedBy.CANCELLED ? "cancelled" : "answered", null);
        }
    }
}
