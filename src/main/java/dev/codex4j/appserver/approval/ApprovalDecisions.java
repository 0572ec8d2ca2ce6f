package dev.codex4j.appserver.approval;

import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.ServerRequest;
import dev.codex4j.appserver.rpc.ServerRequestHandler;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Decides the answers to the server's approval requests.
 *
 * <pre>{@code
 * ApprovalDecisions approvals = ApprovalDecisions.builder()
 *         .onCommandExecution(req -> req.command().startsWith("git status")
 *                 ? ApprovalDecision.ACCEPT : ApprovalDecision.DECLINE)
 *         .onFileChangeAsync(req -> reviewService.ask(req))   // Mono<ApprovalDecision>
 *         .handlerTimeout(Duration.ofMinutes(2))
 *         .build();
 * }</pre>
 *
 * <p>Approvals without a handler are declined. A handler that throws, returns {@code null}, completes empty
 * or overruns {@link #handlerTimeout()} counts as a decline, logged once. Server requests that are not
 * approvals are answered with JSON-RPC error -32601.
 */
public final class ApprovalDecisions implements ServerRequestHandler {

    public static final String COMMAND_EXECUTION = "item/commandExecution/requestApproval";
    public static final String FILE_CHANGE = "item/fileChange/requestApproval";

    /** Generous, because a person may be deciding; the server itself would wait forever. */
    public static final Duration DEFAULT_HANDLER_TIMEOUT = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(ApprovalDecisions.class);
    private static final ApprovalDecision SAFE_DEFAULT = ApprovalDecision.DECLINE;

    private final Map<String, AsyncApprovalHandler> handlers;
    private final Duration handlerTimeout;
    private final String policyName;
    private final boolean acceptsWithoutAsking;

    private ApprovalDecisions(
            Map<String, AsyncApprovalHandler> handlers, Duration handlerTimeout, String policyName,
            boolean acceptsWithoutAsking) {
        this.handlers = Map.copyOf(handlers);
        this.handlerTimeout = handlerTimeout;
        this.policyName = policyName;
        this.acceptsWithoutAsking = acceptsWithoutAsking;
    }

    /** Declines every approval: the agent is told and its turn continues. The default. */
    public static ApprovalDecisions declineAll() {
        return new ApprovalDecisions(Map.of(), DEFAULT_HANDLER_TIMEOUT, "declineAll", false);
    }

    /**
     * Accepts every command and file change the agent asks for. Only for trusted, isolated workspaces: the
     * client logs a WARN when it starts with this policy.
     */
    public static ApprovalDecisions acceptAll() {
        AsyncApprovalHandler accept = request -> Mono.just(ApprovalDecision.ACCEPT);
        return new ApprovalDecisions(Map.of(COMMAND_EXECUTION, accept, FILE_CHANGE, accept),
                DEFAULT_HANDLER_TIMEOUT, "acceptAll", true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code true} for policies that accept without any check, such as {@link #acceptAll()}. */
    public boolean acceptsWithoutAsking() {
        return acceptsWithoutAsking;
    }

    /** {@code true} if a handler (not only the safe default) decides requests of this method. */
    public boolean hasHandlerFor(String method) {
        return handlers.containsKey(method);
    }

    /** How long a handler may take before its request is declined. */
    public Duration handlerTimeout() {
        return handlerTimeout;
    }

    @Override
    public Mono<ServerRequestReply> handle(ServerRequest request) {
        Objects.requireNonNull(request, "request");
        String method = request.method();
        if (!method.equals(COMMAND_EXECUTION) && !method.equals(FILE_CHANGE)) {
            return Mono.just(ServerRequestReply.error(JsonRpcError.methodNotFound(method)));
        }
        AsyncApprovalHandler handler = handlers.get(method);
        if (handler == null) {
            return Mono.just(reply(SAFE_DEFAULT));
        }
        ApprovalRequest approval = ApprovalRequest.from(method, request.params());
        return Mono.defer(() -> handler.decide(approval))
                .timeout(handlerTimeout)
                .map(ApprovalDecisions::reply)
                .switchIfEmpty(Mono.fromSupplier(() -> {
                    log.warn("approval handler for {} (item {}) gave no decision; declining", method, approval.itemId());
                    return reply(SAFE_DEFAULT);
                }))
                .onErrorResume(error -> {
                    if (error instanceof TimeoutException) {
                        log.warn("approval handler for {} (item {}) did not decide within {}; declining", method,
                                approval.itemId(), handlerTimeout);
                    } else {
                        log.warn("approval handler for {} (item {}) failed; declining", method, approval.itemId(),
                                error);
                    }
                    return Mono.just(reply(SAFE_DEFAULT));
                });
    }

    @Override
    public String toString() {
        return "ApprovalDecisions[" + policyName + ", handlers=" + handlers.keySet() + "]";
    }

    private static ServerRequestReply reply(ApprovalDecision decision) {
        return ServerRequestReply.result(Map.of("decision", decision.wireValue()));
    }

    /** Builds an {@link ApprovalDecisions} from handlers; approvals without one are declined. */
    public static final class Builder {

        private final Map<String, AsyncApprovalHandler> handlers = new HashMap<>();
        private Duration handlerTimeout = DEFAULT_HANDLER_TIMEOUT;

        private Builder() {}

        /** Decides {@code item/commandExecution/requestApproval}. */
        public Builder onCommandExecution(ApprovalHandler handler) {
            return put(COMMAND_EXECUTION, sync(handler));
        }

        /** Decides {@code item/commandExecution/requestApproval} asynchronously. */
        public Builder onCommandExecutionAsync(AsyncApprovalHandler handler) {
            return put(COMMAND_EXECUTION, handler);
        }

        /** Decides {@code item/fileChange/requestApproval}. */
        public Builder onFileChange(ApprovalHandler handler) {
            return put(FILE_CHANGE, sync(handler));
        }

        /** Decides {@code item/fileChange/requestApproval} asynchronously. */
        public Builder onFileChangeAsync(AsyncApprovalHandler handler) {
            return put(FILE_CHANGE, handler);
        }

        /** How long any handler may take before its request is declined; default 5 minutes. */
        public Builder handlerTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "handlerTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handlerTimeout must be positive: " + timeout);
            }
            this.handlerTimeout = timeout;
            return this;
        }

        public ApprovalDecisions build() {
            return new ApprovalDecisions(handlers, handlerTimeout, "custom", false);
        }

        private Builder put(String method, AsyncApprovalHandler handler) {
            handlers.put(method, Objects.requireNonNull(handler, "handler"));
            return this;
        }

        private static AsyncApprovalHandler sync(ApprovalHandler handler) {
            Objects.requireNonNull(handler, "handler");
            return request -> Mono.fromCallable(() -> handler.decide(request));
        }
    }
}
