package dev.codex4j.appserver.approval;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.protocol.ServerRequestMethod;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.ApplyPatchApprovalResponse;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalResponse;
import dev.codex4j.appserver.protocol.types.CurrentTimeReadResponse;
import dev.codex4j.appserver.protocol.types.DynamicToolCallParams;
import dev.codex4j.appserver.protocol.types.DynamicToolSpec;
import dev.codex4j.appserver.protocol.types.ExecCommandApprovalResponse;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileChangeRequestApprovalResponse;
import dev.codex4j.appserver.protocol.types.GrantedPermissionProfile;
import dev.codex4j.appserver.protocol.types.McpServerElicitationAction;
import dev.codex4j.appserver.protocol.types.McpServerElicitationRequestResponse;
import dev.codex4j.appserver.protocol.types.PermissionGrantScope;
import dev.codex4j.appserver.protocol.types.PermissionsRequestApprovalResponse;
import dev.codex4j.appserver.protocol.types.ReviewDecision;
import dev.codex4j.appserver.protocol.types.ToolRequestUserInputResponse;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;

/**
 * Decides the answers to the server's requests: command and file-change approvals, permission grants,
 * questions to the user, MCP elicitations, dynamic tool calls, and the rest.
 *
 * <pre>{@code
 * ApprovalDecisions approvals = ApprovalDecisions.builder()
 *         .commandRules(CommandRules.declineOutside(workspace),
 *                 CommandRules.acceptPrefixes(List.of(List.of("git", "status"), List.of("ls"))))
 *         .onCommandExecutionAsync(request -> reviewService.ask(request))   // what no rule decided
 *         .fileChangeRules(FileChangeRules.acceptInside(workspace))
 *         .handlerTimeout(Duration.ofMinutes(2))
 *         .build();
 * }</pre>
 *
 * <p><b>Safe by default.</b> Every server request gets exactly one protocol-correct answer; the server has no
 * timeout of its own and would otherwise wait forever. Without a rule or handler that decides:
 * <table>
 * <caption>Safe defaults</caption>
 * <tr><th>request</th><th>answer</th></tr>
 * <tr><td>command, file change, legacy {@code execCommandApproval}/{@code applyPatchApproval}</td>
 *     <td>decline (the turn goes on)</td></tr>
 * <tr><td>{@code item/permissions/requestApproval}</td><td>an empty grant</td></tr>
 * <tr><td>{@code item/tool/requestUserInput}</td><td>no answers</td></tr>
 * <tr><td>{@code mcpServer/elicitation/request}</td><td>decline</td></tr>
 * <tr><td>{@code item/tool/call}</td><td>a failed tool result naming the missing tool</td></tr>
 * <tr><td>{@code currentTime/read}</td><td>the current time</td></tr>
 * <tr><td>{@code account/chatgptAuthTokens/refresh}, {@code attestation/generate}</td>
 *     <td>JSON-RPC error -32603</td></tr>
 * <tr><td>a method this version does not know</td><td>JSON-RPC error -32601</td></tr>
 * </table>
 * A handler that throws, returns nothing or overruns {@link #handlerTimeout()} yields the safe default, logged
 * once. Accepting without asking takes an explicitly named policy ({@link #acceptAll()}), which the client
 * logs at WARN when it starts.
 *
 * <p><b>Decline or cancel.</b> {@code DECLINE} refuses this one action and the agent carries on (it may try
 * something else); {@code CANCEL} refuses it and interrupts the whole turn.
 *
 * <p><b>Order.</b> For commands and file changes the rules are tried first, in order; the first that decides
 * wins. Then the handler; then the safe default.
 */
public final class ApprovalDecisions {

    /** Generous, because a person may be deciding; the server itself would wait forever. */
    public static final Duration DEFAULT_HANDLER_TIMEOUT = Duration.ofMinutes(5);

    private static final Logger log = LoggerFactory.getLogger(ApprovalDecisions.class);

    private static final String COMMAND = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();
    private static final String FILE_CHANGE = ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name();
    private static final String TOOL_CALL = ServerRequests.ITEM_TOOL_CALL.name();

    /**
     * Decides one request kind: a decision (with who made it), or empty to fall back to the default.
     * {@code fullyKnown} is {@code false} when the request carries fields this version cannot judge; rules
     * may then only refuse.
     */
    private interface Decider {
        Mono<Decided> decide(Object params, ApprovalContext context, boolean fullyKnown);
    }

    /** {@code response == null} means the safe default. */
    private record Decided(Object response, DecidedBy by) {
        static final Decided SAFE_DEFAULT = new Decided(null, DecidedBy.DEFAULT);
    }

    private final Map<String, Decider> deciders;
    private final Map<String, DynamicTool> tools;
    private final Duration handlerTimeout;
    private final String policyName;
    private final boolean acceptsWithoutAsking;

    private ApprovalDecisions(Map<String, Decider> deciders, Map<String, DynamicTool> tools, Duration handlerTimeout,
            String policyName, boolean acceptsWithoutAsking) {
        this.deciders = Map.copyOf(deciders);
        // registration order, so the dynamicTools sent with thread/start are the same on every run
        this.tools = Collections.unmodifiableMap(new LinkedHashMap<>(tools));
        this.handlerTimeout = handlerTimeout;
        this.policyName = policyName;
        this.acceptsWithoutAsking = acceptsWithoutAsking;
    }

    /** Answers everything with its safe default. The client's default. */
    public static ApprovalDecisions declineAll() {
        return new ApprovalDecisions(Map.of(), Map.of(), DEFAULT_HANDLER_TIMEOUT, "declineAll", false);
    }

    /**
     * Accepts every command and file change the agent asks for (legacy approvals too). Other requests keep
     * their safe defaults. Only for trusted, isolated workspaces: the client logs a WARN when it starts with
     * this policy.
     */
    public static ApprovalDecisions acceptAll() {
        Map<String, Decider> deciders = new HashMap<>();
        deciders.put(COMMAND, policy(new CommandExecutionRequestApprovalResponse(CommandExecutionApprovalDecision.ACCEPT)));
        deciders.put(FILE_CHANGE, policy(new FileChangeRequestApprovalResponse(FileChangeApprovalDecision.ACCEPT)));
        deciders.put(ServerRequests.EXEC_COMMAND_APPROVAL.name(), policy(new ExecCommandApprovalResponse(ReviewDecision.APPROVED)));
        deciders.put(ServerRequests.APPLY_PATCH_APPROVAL.name(), policy(new ApplyPatchApprovalResponse(ReviewDecision.APPROVED)));
        return new ApprovalDecisions(deciders, Map.of(), DEFAULT_HANDLER_TIMEOUT, "acceptAll", true);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code true} for policies that accept without any check, such as {@link #acceptAll()}. */
    public boolean acceptsWithoutAsking() {
        return acceptsWithoutAsking;
    }

    /** {@code true} if a rule, handler or tool (not only the safe default) decides requests of this method. */
    public boolean hasHandlerFor(String method) {
        return deciders.containsKey(method);
    }

    /** How long a handler may take before the safe default is sent. */
    public Duration handlerTimeout() {
        return handlerTimeout;
    }

    /** The registered dynamic tools, in registration order, to pass as {@code dynamicTools} of {@code thread/start}. */
    public List<DynamicToolSpec> dynamicToolSpecs() {
        return tools.values().stream().map(DynamicTool::spec).toList();
    }

    /**
     * These decisions, also answering the calls of {@code moreTools} (a tool of these decisions wins over one
     * of the same name). The thread API uses it to offer a thread's tools during a turn that has approval
     * handlers of its own.
     */
    public ApprovalDecisions withDynamicTools(List<DynamicTool> moreTools) {
        Objects.requireNonNull(moreTools, "moreTools");
        if (moreTools.isEmpty()) {
            return this;
        }
        Map<String, DynamicTool> merged = new LinkedHashMap<>(tools);
        moreTools.forEach(tool -> merged.putIfAbsent(tool.name(), tool));
        Map<String, Decider> withTools = new HashMap<>(deciders);
        withTools.put(TOOL_CALL, toolDecider(merged));
        return new ApprovalDecisions(withTools, merged, handlerTimeout, policyName, acceptsWithoutAsking);
    }

    private static Decider toolDecider(Map<String, DynamicTool> tools) {
        Map<String, DynamicTool> registered = Map.copyOf(tools);
        return (params, context, fullyKnown) -> {
            DynamicToolCallParams call = (DynamicToolCallParams) params;
            DynamicTool tool = registered.get(call.tool());
            // called here, inside guarded(), so that even an Error from the tool becomes the safe default
            return tool == null ? Mono.just(Decided.SAFE_DEFAULT)
                    : Mono.just(new Decided(tool.call(call, context.mapper()), DecidedBy.HANDLER));
        };
    }

    /**
     * Decides the reply to one server request. Never fails: every failure becomes the safe default. The
     * caller sends the reply; if it cancels the returned {@code Mono} (the request was resolved elsewhere,
     * its turn ended or the connection dropped), a {@link DecidedBy#CANCELLED} event is recorded and nothing
     * must be sent.
     */
    public Mono<ServerRequestReply> handle(IncomingRequest request, ApprovalContext context) {
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(context, "context");
        return Mono.defer(() -> {
            long started = System.nanoTime();
            Optional<ServerRequestMethod<?, ?>> known = ServerRequests.byName(request.method());
            if (known.isEmpty()) {
                return Mono.just(finish(request, context, started, DecidedBy.DEFAULT,
                        ServerRequestReply.error(JsonRpcError.methodNotFound(request.method()))));
            }
            Decider decider = deciders.get(request.method());
            if (decider == null) {
                return Mono.just(finish(request, context, started, DecidedBy.DEFAULT, safeDefault(request)));
            }
            Object params;
            try {
                params = context.mapper().treeToValue(request.params(), known.get().paramsType());
            } catch (Exception e) {
                log.warn("cannot decode the params of {} ({}); answering with its safe default", request.method(),
                        e.getMessage());
                return Mono.just(finish(request, context, started, DecidedBy.ERROR, safeDefault(request)));
            }
            boolean fullyKnown = decodedWhole(request.params(), params, context);
            return guarded(() -> decider.decide(params, context, fullyKnown))
                    .subscribeOn(context.scheduler()) // so that the timeout also bounds rules that never return
                    .timeout(handlerTimeout, context.scheduler())
                    .map(decided -> finish(request, context, started, decided.by(), decided.response() == null
                            ? safeDefault(request) : ServerRequestReply.result(decided.response())))
                    .switchIfEmpty(Mono.fromSupplier(() -> {
                        log.warn("handler for {} gave no answer; sending its safe default", request.method());
                        return finish(request, context, started, DecidedBy.ERROR, safeDefault(request));
                    }))
                    .onErrorResume(error -> {
                        boolean timedOut = error instanceof TimeoutException;
                        if (timedOut) {
                            log.warn("handler for {} did not answer within {}; sending its safe default",
                                    request.method(), handlerTimeout);
                        } else {
                            log.warn("handler for {} failed; sending its safe default", request.method(),
                                    error instanceof HandlerFailure ? error.getCause() : error);
                        }
                        return Mono.just(finish(request, context, started,
                                timedOut ? DecidedBy.TIMEOUT : DecidedBy.ERROR, safeDefault(request)));
                    })
                    .doOnCancel(() -> context.record(event(request, context, started, DecidedBy.CANCELLED, null)));
        });
    }

    /** Carries any {@link Throwable} of user code (an {@code Error} too) as an ordinary error signal. */
    private static final class HandlerFailure extends RuntimeException {
        HandlerFailure(Throwable cause) {
            super(cause.getClass().getName(), cause, false, false);
        }
    }

    /**
     * Runs {@code body} so that whatever it throws, even a {@link StackOverflowError} (which Reactor would
     * rethrow rather than signal), becomes an error the safe default answers.
     */
    private static <T> Mono<T> guarded(java.util.function.Supplier<Mono<T>> body) {
        return Mono.defer(() -> {
            Mono<T> mono;
            try {
                mono = body.get();
            } catch (Throwable t) {
                return Mono.error(new HandlerFailure(t));
            }
            return mono == null ? Mono.error(new HandlerFailure(new NullPointerException("a handler returned null")))
                    : mono;
        });
    }

    /**
     * {@code true} if every field of {@code raw} with a value survived decoding into {@code decoded}: the
     * generated types ignore fields they do not know, and a rule cannot judge what it cannot see.
     */
    private static boolean decodedWhole(JsonNode raw, Object decoded, ApprovalContext context) {
        if (raw == null || !raw.isObject()) {
            return true;
        }
        JsonNode back;
        try {
            back = context.mapper().valueToTree(decoded);
        } catch (RuntimeException e) {
            return false;
        }
        var names = raw.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!raw.get(name).isNull() && (back == null || !back.has(name))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "ApprovalDecisions[" + policyName + ", decides " + deciders.keySet() + "]";
    }

    /** The answer to a request when nothing else decides: never grants anything. */
    public static ServerRequestReply safeDefault(IncomingRequest request) {
        String method = request.method();
        Object response;
        if (method.equals(COMMAND)) {
            response = new CommandExecutionRequestApprovalResponse(CommandExecutionApprovalDecision.DECLINE);
        } else if (method.equals(FILE_CHANGE)) {
            response = new FileChangeRequestApprovalResponse(FileChangeApprovalDecision.DECLINE);
        } else if (method.equals(ServerRequests.EXEC_COMMAND_APPROVAL.name())) {
            response = new ExecCommandApprovalResponse(ReviewDecision.Denied.of("declined by the client's approval policy"));
        } else if (method.equals(ServerRequests.APPLY_PATCH_APPROVAL.name())) {
            response = new ApplyPatchApprovalResponse(ReviewDecision.Denied.of("declined by the client's approval policy"));
        } else if (method.equals(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name())) {
            response = new PermissionsRequestApprovalResponse(new GrantedPermissionProfile(null, null),
                    PermissionGrantScope.TURN, null);
        } else if (method.equals(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name())) {
            response = new ToolRequestUserInputResponse(Map.of());
        } else if (method.equals(ServerRequests.MCP_SERVER_ELICITATION_REQUEST.name())) {
            response = new McpServerElicitationRequestResponse(null, McpServerElicitationAction.DECLINE, null);
        } else if (method.equals(TOOL_CALL)) {
            String tool = text(request.params(), "tool");
            response = DynamicTool.text("no tool named '" + tool + "' is registered with this client", false);
        } else if (method.equals(ServerRequests.CURRENT_TIME_READ.name())) {
            response = new CurrentTimeReadResponse(Instant.now().getEpochSecond());
        } else if (ServerRequests.byName(method).isPresent()) {
            return ServerRequestReply.error(new JsonRpcError(JsonRpcError.INTERNAL_ERROR,
                    "this client has no handler for " + method, null));
        } else {
            return ServerRequestReply.error(JsonRpcError.methodNotFound(method));
        }
        return ServerRequestReply.result(response);
    }

    private ServerRequestReply finish(IncomingRequest request, ApprovalContext context, long started, DecidedBy by,
            ServerRequestReply reply) {
        String decision;
        if (reply instanceof ServerRequestReply.Result result) {
            JsonNode json = context.mapper().valueToTree(result.value());
            JsonNode shown = json != null && json.has("decision") ? json.get("decision")
                    : json != null && json.has("action") ? json.get("action") : json;
            decision = shown == null ? "null" : shown.isTextual() ? shown.textValue() : shown.toString();
        } else {
            JsonRpcError error = ((ServerRequestReply.Error) reply).error();
            decision = "error " + error.code() + ": " + error.message();
        }
        context.record(event(request, context, started, by, decision));
        return reply;
    }

    private static ApprovalEvent event(IncomingRequest request, ApprovalContext context, long started, DecidedBy by,
            String decision) {
        JsonNode p = request.params();
        String threadId = Optional.ofNullable(text(p, "threadId")).orElse(text(p, "conversationId"));
        String itemId = Optional.ofNullable(text(p, "itemId")).orElse(text(p, "callId"));
        return new ApprovalEvent(request.method(), idText(request.id()), threadId, text(p, "turnId"), itemId,
                decision == null ? "(nothing sent)" : decision, by, Instant.now(),
                Duration.ofNanos(System.nanoTime() - started));
    }

    /** The id as plain text: {@code 7} or {@code abc}, not the JSON {@code "abc"} of {@link RequestId#toString()}. */
    private static String idText(RequestId id) {
        return id instanceof RequestId.Text text ? text.value() : id.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isTextual() ? value.textValue() : null;
    }

    private static Decider policy(Object response) {
        return (params, context, fullyKnown) -> Mono.just(new Decided(response, DecidedBy.POLICY));
    }

    /** Builds an {@link ApprovalDecisions}; whatever it does not decide gets the safe default. */
    public static final class Builder {

        private final List<ApprovalRule<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision>>
                commandRules = new ArrayList<>();
        private final List<ApprovalRule<FileChangeRequestApprovalParams, FileChangeApprovalDecision>> fileChangeRules =
                new ArrayList<>();
        private final Map<String, AsyncRequestHandler<Object, Object>> handlers = new HashMap<>();
        private final Map<String, DynamicTool> tools = new LinkedHashMap<>();
        private Duration handlerTimeout = DEFAULT_HANDLER_TIMEOUT;

        private Builder() {}

        /** Decides command approvals that no {@link #commandRules rule} decided. */
        public Builder onCommandExecution(
                RequestHandler<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision> handler) {
            return onCommandExecutionAsync(async(handler));
        }

        /** Decides command approvals that no rule decided, asynchronously (e.g. by asking a person). */
        public Builder onCommandExecutionAsync(
                AsyncRequestHandler<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision> handler) {
            Objects.requireNonNull(handler, "handler");
            return onAsync(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL,
                    params -> handler.handle(params).map(CommandExecutionRequestApprovalResponse::new));
        }

        /** Rules for command approvals, tried in order before the handler; the first that decides wins. */
        @SafeVarargs
        public final Builder commandRules(
                ApprovalRule<CommandExecutionRequestApprovalParams, CommandExecutionApprovalDecision>... rules) {
            for (var rule : rules) {
                commandRules.add(Objects.requireNonNull(rule, "rule"));
            }
            return this;
        }

        /** Decides file-change approvals that no {@link #fileChangeRules rule} decided. */
        public Builder onFileChange(RequestHandler<FileChangeRequestApprovalParams, FileChangeApprovalDecision> handler) {
            return onFileChangeAsync(async(handler));
        }

        /** Decides file-change approvals that no rule decided, asynchronously. */
        public Builder onFileChangeAsync(
                AsyncRequestHandler<FileChangeRequestApprovalParams, FileChangeApprovalDecision> handler) {
            Objects.requireNonNull(handler, "handler");
            return onAsync(ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL,
                    params -> handler.handle(params).map(FileChangeRequestApprovalResponse::new));
        }

        /** Rules for file-change approvals, tried in order before the handler. */
        @SafeVarargs
        public final Builder fileChangeRules(
                ApprovalRule<FileChangeRequestApprovalParams, FileChangeApprovalDecision>... rules) {
            for (var rule : rules) {
                fileChangeRules.add(Objects.requireNonNull(rule, "rule"));
            }
            return this;
        }

        /**
         * Answers any server request with a full response, e.g.
         * {@code on(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL, params -> grant(params))}.
         */
        public <P, R> Builder on(ServerRequestMethod<P, R> method, RequestHandler<P, R> handler) {
            return onAsync(method, async(handler));
        }

        /** Answers any server request asynchronously with a full response. */
        @SuppressWarnings("unchecked")
        public <P, R> Builder onAsync(ServerRequestMethod<P, R> method, AsyncRequestHandler<P, R> handler) {
            Objects.requireNonNull(method, "method");
            Objects.requireNonNull(handler, "handler");
            if (method.name().equals(TOOL_CALL)) {
                throw new IllegalArgumentException("register dynamic tools with dynamicTool(...), not on(item/tool/call)");
            }
            handlers.put(method.name(), (AsyncRequestHandler<Object, Object>) (AsyncRequestHandler<?, ?>) handler);
            return this;
        }

        /** Offers a Java function to the model as a tool and answers its {@code item/tool/call} requests. */
        public Builder dynamicTool(DynamicTool tool) {
            Objects.requireNonNull(tool, "tool");
            if (tools.putIfAbsent(tool.name(), tool) != null) {
                throw new IllegalArgumentException("a dynamic tool named '" + tool.name() + "' is already registered");
            }
            return this;
        }

        /** How long any handler may take before the safe default is sent; default 5 minutes. */
        public Builder handlerTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "handlerTimeout");
            if (timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("handlerTimeout must be positive: " + timeout);
            }
            this.handlerTimeout = timeout;
            return this;
        }

        public ApprovalDecisions build() {
            Map<String, Decider> deciders = new HashMap<>();
            handlers.forEach((method, handler) -> deciders.put(method, handlerDecider(handler)));
            if (!commandRules.isEmpty()) {
                deciders.put(COMMAND, rulesFirst(List.copyOf(commandRules), CommandExecutionRequestApprovalResponse::new,
                        d -> d != CommandExecutionApprovalDecision.DECLINE && d != CommandExecutionApprovalDecision.CANCEL,
                        deciders.get(COMMAND)));
            }
            if (!fileChangeRules.isEmpty()) {
                deciders.put(FILE_CHANGE, rulesFirst(List.copyOf(fileChangeRules), FileChangeRequestApprovalResponse::new,
                        d -> d != FileChangeApprovalDecision.DECLINE && d != FileChangeApprovalDecision.CANCEL,
                        deciders.get(FILE_CHANGE)));
            }
            if (!tools.isEmpty()) {
                deciders.put(TOOL_CALL, toolDecider(tools));
            }
            return new ApprovalDecisions(deciders, tools, handlerTimeout, "custom", false);
        }

        private static Decider handlerDecider(AsyncRequestHandler<Object, Object> handler) {
            return (params, context, fullyKnown) -> guarded(() -> handler.handle(params))
                    .map(response -> new Decided(response, DecidedBy.HANDLER));
        }

        /**
         * Tries {@code rules} in order; the first decision wins, except that when the request has fields this
         * version does not know, decisions that let the action happen are passed over.
         */
        @SuppressWarnings("unchecked")
        private static <P, D> Decider rulesFirst(List<ApprovalRule<P, D>> rules, java.util.function.Function<D, Object> wrap,
                java.util.function.Predicate<D> accepting, Decider fallback) {
            return (params, context, fullyKnown) -> {
                for (ApprovalRule<P, D> rule : rules) {
                    Optional<D> decision = Objects.requireNonNull(rule.decide((P) params, context), "a rule returned null");
                    if (decision.isPresent() && (fullyKnown || !accepting.test(decision.get()))) {
                        return Mono.just(new Decided(wrap.apply(decision.get()), DecidedBy.POLICY));
                    }
                }
                return fallback != null ? fallback.decide(params, context, fullyKnown) : Mono.just(Decided.SAFE_DEFAULT);
            };
        }

        private static <P, R> AsyncRequestHandler<P, R> async(RequestHandler<P, R> handler) {
            Objects.requireNonNull(handler, "handler");
            // called at once: handle() runs it inside guarded() on the context's scheduler
            return params -> {
                try {
                    return Mono.justOrEmpty(handler.handle(params));
                } catch (RuntimeException e) {
                    throw e;
                } catch (Exception e) {
                    return Mono.error(e);
                }
            };
        }
    }
}
