package dev.codex4j.appserver.approval;

import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.ACCEPT_FOR_SESSION;
import static dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision.DECLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.codex4j.appserver.approval.ApprovalEvent.DecidedBy;
import dev.codex4j.appserver.approval.CommandRules.CommandRule;
import dev.codex4j.appserver.protocol.ServerRequests;
import dev.codex4j.appserver.protocol.types.AdditionalNetworkPermissions;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.FileChangeApprovalDecision;
import dev.codex4j.appserver.protocol.types.GrantedPermissionProfile;
import dev.codex4j.appserver.protocol.types.PermissionGrantScope;
import dev.codex4j.appserver.protocol.types.PermissionsRequestApprovalParams;
import dev.codex4j.appserver.protocol.types.PermissionsRequestApprovalResponse;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

@Timeout(30)
class ApprovalDecisionsTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final String COMMAND_FIXTURE = "command-approval-accept.jsonl";
    private static final String FILE_CHANGE_FIXTURE = "file-change-approval-accept.jsonl";
    private static final String COMMAND = ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL.name();
    private static final String FILE_CHANGE = ServerRequests.ITEM_FILE_CHANGE_REQUEST_APPROVAL.name();
    private static final String PERMISSIONS = ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL.name();

    private final TestApprovalContext context = new TestApprovalContext();

    /** The real command request, with its parsed action replaced by {@code script}. */
    private IncomingRequest commandRequest(String script) {
        IncomingRequest real = context.fixtureRequest(COMMAND_FIXTURE, COMMAND);
        ObjectNode params = (ObjectNode) real.params();
        params.put("command", "/bin/bash -lc '" + script + "'");
        params.putArray("commandActions").addObject().put("type", "unknown").put("command", script);
        return real;
    }

    private IncomingRequest realCommandRequest() {
        return context.fixtureRequest(COMMAND_FIXTURE, COMMAND);
    }

    private IncomingRequest permissionsRequest() {
        return new IncomingRequest(RequestId.of(3), PERMISSIONS, context.json("""
                {"threadId":"thr-1","turnId":"turn-1","itemId":"item-1","cwd":"/srv/ws","environmentId":"local",
                 "permissions":{"network":{"enabled":true}},"reason":"needs the network","startedAtMs":1}"""));
    }

    private ServerRequestReply handle(ApprovalDecisions approvals, IncomingRequest request) {
        return approvals.handle(request, context).block(WAIT);
    }

    private ApprovalEvent onlyEvent() {
        assertThat(context.events()).hasSize(1);
        return context.events().get(0);
    }

    private static final CommandRule GIT_STATUS = CommandRules.acceptPrefixes(List.of(List.of("git", "status")));

    // --- order: rules, handler, default ----------------------------------------------------------------------

    @Test
    void aRuleThatDecidesWinsOverTheHandler() {
        AtomicInteger handlerCalls = new AtomicInteger();
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(GIT_STATUS)
                .onCommandExecution(params -> {
                    handlerCalls.incrementAndGet();
                    return DECLINE;
                })
                .build();

        assertThat(context.resultJson(handle(approvals, commandRequest("git status -s"))))
                .isEqualTo("{\"decision\":\"accept\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.POLICY);
        assertThat(onlyEvent().decision()).isEqualTo("accept");
        assertThat(handlerCalls).hasValue(0);
    }

    @Test
    void theHandlerDecidesWhatNoRuleDecided() {
        List<CommandExecutionRequestApprovalParams> seen = new CopyOnWriteArrayList<>();
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(GIT_STATUS)
                .onCommandExecution(params -> {
                    seen.add(params);
                    return ACCEPT_FOR_SESSION;
                })
                .build();

        assertThat(context.resultJson(handle(approvals, realCommandRequest())))
                .isEqualTo("{\"decision\":\"acceptForSession\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.HANDLER);
        assertThat(onlyEvent().itemId()).isEqualTo("call-exec-1");
        assertThat(seen).singleElement().satisfies(params -> {
            assertThat(params.command()).isEqualTo("/bin/bash -lc 'echo hi > out.txt'");
            assertThat(params.reason()).isEqualTo("The test needs a file");
            assertThat(params.proposedExecpolicyAmendment()).containsExactly("/bin/bash", "-lc", "echo hi > out.txt");
        });
    }

    @Test
    void withoutAHandlerWhatNoRuleDecidedGetsTheSafeDefault() {
        ApprovalDecisions approvals = ApprovalDecisions.builder().commandRules(GIT_STATUS).build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.DEFAULT);
    }

    @Test
    void anEmptyBuilderDecidesNothing() {
        ApprovalDecisions approvals = ApprovalDecisions.builder().build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.DEFAULT);
        assertThat(approvals.hasHandlerFor(COMMAND)).isFalse();
        assertThat(approvals.acceptsWithoutAsking()).isFalse();
        assertThat(approvals.handlerTimeout()).isEqualTo(ApprovalDecisions.DEFAULT_HANDLER_TIMEOUT);
    }

    @Test
    void fileChangeRulesComeBeforeTheFileChangeHandler() {
        TestApprovalContext withItem = new TestApprovalContext()
                .withStartedItem(context.fixtureStartedItem(FILE_CHANGE_FIXTURE, "fileChange"));
        IncomingRequest request = context.fixtureRequest(FILE_CHANGE_FIXTURE, FILE_CHANGE);
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .fileChangeRules(FileChangeRules.acceptInside(java.nio.file.Path.of("/srv/elsewhere")))
                .onFileChange(params -> FileChangeApprovalDecision.CANCEL)
                .build();
        assertThat(withItem.resultJson(approvals.handle(request, withItem).block(WAIT)))
                .isEqualTo("{\"decision\":\"cancel\"}");
        assertThat(withItem.events()).singleElement().extracting(ApprovalEvent::decidedBy).isEqualTo(DecidedBy.HANDLER);
    }

    @Test
    void anAsyncHandlerDecides() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.just(ACCEPT).delayElement(Duration.ofMillis(20)))
                .build();
        StepVerifier.create(approvals.handle(realCommandRequest(), context))
                .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"accept\"}"))
                .expectComplete()
                .verify(WAIT);
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.HANDLER);
    }

    // --- failures become the safe default ---------------------------------------------------------------------

    @Test
    void aThrowingSyncHandlerGetsTheSafeDefaultAsAnError() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecution(params -> {
                    throw new IllegalStateException("reviewer unreachable");
                })
                .build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.ERROR);
        assertThat(onlyEvent().decision()).isEqualTo("decline");
    }

    @Test
    void anAsyncHandlerThatThrowsOrFailsGetsTheSafeDefaultAsAnError() {
        ApprovalDecisions throwing = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> {
                    throw new IllegalStateException("boom");
                })
                .build();
        ApprovalDecisions failing = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.error(new IllegalStateException("boom")))
                .build();
        assertThat(context.resultJson(handle(throwing, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(context.resultJson(handle(failing, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(context.events()).extracting(ApprovalEvent::decidedBy).containsExactly(DecidedBy.ERROR, DecidedBy.ERROR);
    }

    @Test
    void anAsyncHandlerReturningEmptyGetsTheSafeDefaultAsAnError() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.empty())
                .build();
        StepVerifier.create(approvals.handle(realCommandRequest(), context))
                .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"decline\"}"))
                .expectComplete()
                .verify(WAIT);
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.ERROR);
    }

    @Test
    void aSyncHandlerReturningNullGetsTheSafeDefaultAsAnError() {
        ApprovalDecisions approvals = ApprovalDecisions.builder().onCommandExecution(params -> null).build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.ERROR);
    }

    @Test
    void aThrowingRuleGetsTheSafeDefaultAsAnError() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules((params, ctx) -> {
                    throw new IllegalStateException("broken rule");
                })
                .onCommandExecution(params -> ACCEPT)
                .build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.ERROR);
    }

    @Test
    void aHandlerThatNeverAnswersTimesOutToTheSafeDefault() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.never())
                .handlerTimeout(Duration.ofMillis(100))
                .build();
        assertThat(approvals.handlerTimeout()).isEqualTo(Duration.ofMillis(100));
        StepVerifier.create(approvals.handle(realCommandRequest(), context))
                .assertNext(reply -> assertThat(context.resultJson(reply)).isEqualTo("{\"decision\":\"decline\"}"))
                .expectComplete()
                .verify(WAIT);
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.TIMEOUT);
        assertThat(onlyEvent().decision()).isEqualTo("decline");
        assertThat(onlyEvent().took()).isGreaterThanOrEqualTo(Duration.ofMillis(100));
    }

    @Test
    void cancellingWhileTheHandlerIsPendingRecordsCancelledAndSendsNothing() {
        CountDownLatch handlerCancelled = new CountDownLatch(1);
        CountDownLatch handlerSubscribed = new CountDownLatch(1);
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.<CommandExecutionApprovalDecision>never()
                        .doOnSubscribe(s -> handlerSubscribed.countDown())
                        .doOnCancel(handlerCancelled::countDown))
                .build();

        StepVerifier.create(approvals.handle(realCommandRequest(), context))
                .expectSubscription()
                .then(() -> await(handlerSubscribed)) // the handler runs on the context's scheduler
                .thenCancel()
                .verify(WAIT);

        ApprovalEvent event = onlyEvent();
        assertThat(event.decidedBy()).isEqualTo(DecidedBy.CANCELLED);
        assertThat(event.decision()).isEqualTo("(nothing sent)");
        assertThat(event.method()).isEqualTo(COMMAND);
        assertThat(event.itemId()).isEqualTo("call-exec-1");
        // the cancel reaches the handler on the scheduler's thread, which may be just handing its subscription up
        await(handlerCancelled);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(WAIT.toMillis(), TimeUnit.MILLISECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void disposingTheSubscriptionEmitsNothing() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.never())
                .build();
        List<Object> signals = new CopyOnWriteArrayList<>();
        Disposable subscription = approvals.handle(realCommandRequest(), context)
                .subscribe(signals::add, signals::add, () -> signals.add("complete"));
        subscription.dispose();

        assertThat(signals).isEmpty();
        assertThat(context.events()).extracting(ApprovalEvent::decidedBy).containsExactly(DecidedBy.CANCELLED);
    }

    @Test
    void paramsThatCannotBeDecodedGetTheSafeDefaultAsAnError() {
        AtomicInteger handlerCalls = new AtomicInteger();
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecution(params -> {
                    handlerCalls.incrementAndGet();
                    return ACCEPT;
                })
                .build();
        IncomingRequest request = realCommandRequest();
        ((ObjectNode) request.params()).put("commandActions", 5);

        assertThat(context.resultJson(handle(approvals, request))).isEqualTo("{\"decision\":\"decline\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.ERROR);
        assertThat(onlyEvent().threadId()).isEqualTo("01a20194-f468-75e1-a06b-a053648b01be");
        assertThat(handlerCalls).hasValue(0);
    }

    // --- any request with a full response --------------------------------------------------------------------

    @Test
    void aPermissionsHandlerAnswersWithItsFullResponse() {
        List<PermissionsRequestApprovalParams> seen = new CopyOnWriteArrayList<>();
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .on(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL, params -> {
                    seen.add(params);
                    return new PermissionsRequestApprovalResponse(
                            new GrantedPermissionProfile(null, new AdditionalNetworkPermissions(true)),
                            PermissionGrantScope.SESSION, null);
                })
                .build();

        assertThat(context.resultJson(handle(approvals, permissionsRequest())))
                .isEqualTo("{\"permissions\":{\"network\":{\"enabled\":true}},\"scope\":\"session\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.HANDLER);
        assertThat(onlyEvent().decision()).isEqualTo("{\"permissions\":{\"network\":{\"enabled\":true}},\"scope\":\"session\"}");
        assertThat(seen).singleElement().satisfies(params -> {
            assertThat(params.reason()).isEqualTo("needs the network");
            assertThat(params.permissions().network().enabled()).isTrue();
        });
        assertThat(approvals.hasHandlerFor(PERMISSIONS)).isTrue();
        assertThat(approvals.hasHandlerFor(COMMAND)).isFalse();
    }

    @Test
    void aFullResponseHandlerForCommandsIsSentAsIs() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onAsync(ServerRequests.ITEM_COMMAND_EXECUTION_REQUEST_APPROVAL, params -> Mono.just(
                        new dev.codex4j.appserver.protocol.types.CommandExecutionRequestApprovalResponse(
                                CommandExecutionApprovalDecision.CANCEL)))
                .build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"cancel\"}");
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.HANDLER);
    }

    @Test
    void toolCallsCannotBeHandledWithOn() {
        assertThatThrownBy(() -> ApprovalDecisions.builder().onAsync(ServerRequests.ITEM_TOOL_CALL,
                params -> Mono.empty()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("dynamicTool");
        assertThatThrownBy(() -> ApprovalDecisions.builder().on(ServerRequests.ITEM_TOOL_CALL, params -> null))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void hasHandlerForTellsWhichMethodsARuleHandlerOrToolDecides() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .commandRules(GIT_STATUS)
                .on(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT, params -> null)
                .dynamicTool(DynamicTool.ofJson("echo_tool", "Echoes", context.json("{\"type\":\"object\"}"),
                        args -> args.toString()))
                .build();
        assertThat(approvals.hasHandlerFor(COMMAND)).isTrue();
        assertThat(approvals.hasHandlerFor(ServerRequests.ITEM_TOOL_REQUEST_USER_INPUT.name())).isTrue();
        assertThat(approvals.hasHandlerFor(ServerRequests.ITEM_TOOL_CALL.name())).isTrue();
        assertThat(approvals.hasHandlerFor(FILE_CHANGE)).isFalse();
        assertThat(approvals.hasHandlerFor(PERMISSIONS)).isFalse();
        assertThat(approvals.hasHandlerFor("no/such/method")).isFalse();

        ApprovalDecisions fileRulesOnly = ApprovalDecisions.builder()
                .fileChangeRules((params, ctx) -> Optional.empty())
                .build();
        assertThat(fileRulesOnly.hasHandlerFor(FILE_CHANGE)).isTrue();
        assertThat(fileRulesOnly.hasHandlerFor(COMMAND)).isFalse();
    }

    @Test
    void aLaterHandlerForTheSameMethodReplacesTheEarlierOne() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecution(params -> DECLINE)
                .onCommandExecution(params -> ACCEPT)
                .build();
        assertThat(context.resultJson(handle(approvals, realCommandRequest()))).isEqualTo("{\"decision\":\"accept\"}");
    }

    @Test
    void anUnknownMethodIsNotRoutedToAnyHandler() {
        ApprovalDecisions approvals = ApprovalDecisions.builder().onCommandExecution(params -> ACCEPT).build();
        ServerRequestReply reply = handle(approvals,
                new IncomingRequest(RequestId.of(9), "item/future/requestApproval", context.json("{}")));
        assertThat(TestApprovalContext.error(reply).code()).isEqualTo(-32601);
        assertThat(onlyEvent().decidedBy()).isEqualTo(DecidedBy.DEFAULT);
    }

    // --- builder validation ----------------------------------------------------------------------------------

    @Test
    void theBuilderRejectsNullHandlersAndRules() {
        var builder = ApprovalDecisions.builder();
        assertThatThrownBy(() -> builder.onCommandExecution(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.onCommandExecutionAsync(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.onFileChange(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.onFileChangeAsync(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.on(ServerRequests.ITEM_PERMISSIONS_REQUEST_APPROVAL, null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.onAsync(null, params -> Mono.empty()))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.commandRules((CommandRule) null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.fileChangeRules((FileChangeRules.FileChangeRule) null))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.dynamicTool(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void theBuilderRejectsATimeoutThatIsNotPositive() {
        var builder = ApprovalDecisions.builder();
        assertThatThrownBy(() -> builder.handlerTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.handlerTimeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.handlerTimeout(null)).isInstanceOf(NullPointerException.class);
        assertThat(builder.handlerTimeout(Duration.ofNanos(1)).build().handlerTimeout()).isEqualTo(Duration.ofNanos(1));
    }

    @Test
    void theBuilderRejectsTwoDynamicToolsWithTheSameName() {
        var builder = ApprovalDecisions.builder()
                .dynamicTool(DynamicTool.ofJson("lookup", "One", context.json("{\"type\":\"object\"}"), args -> "1"));
        assertThatThrownBy(() -> builder.dynamicTool(
                DynamicTool.ofJson("lookup", "Two", context.json("{\"type\":\"object\"}"), args -> "2")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("lookup");
    }

    @Test
    void requestAndContextAreRequired() {
        ApprovalDecisions approvals = ApprovalDecisions.declineAll();
        assertThatThrownBy(() -> approvals.handle(null, context)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> approvals.handle(realCommandRequest(), null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void handleIsLazyAndDecidesOncePerSubscription() {
        AtomicInteger handlerCalls = new AtomicInteger();
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecution(params -> {
                    handlerCalls.incrementAndGet();
                    return ACCEPT;
                })
                .build();
        Mono<ServerRequestReply> reply = approvals.handle(realCommandRequest(), context);
        assertThat(handlerCalls).hasValue(0);
        assertThat(context.events()).isEmpty();
        reply.block(WAIT);
        assertThat(handlerCalls).hasValue(1);
        assertThat(context.events()).hasSize(1);
    }

    @Test
    void eventsCarryTheRequestIdAsPlainTextWithoutJsonQuotes() {
        ApprovalDecisions approvals = ApprovalDecisions.declineAll();
        String params = realCommandRequest().params().toString();
        handle(approvals, new IncomingRequest(RequestId.of("abc-1"), COMMAND, context.json(params)));
        handle(approvals, new IncomingRequest(RequestId.of(42), COMMAND, context.json(params)));
        handle(approvals, new IncomingRequest(RequestId.of("7"), COMMAND, context.json(params)));

        assertThat(context.events()).extracting(ApprovalEvent::requestId).containsExactly("abc-1", "42", "7");
    }

    @Test
    void aCancelledEventCarriesAPlainStringIdToo() {
        ApprovalDecisions approvals = ApprovalDecisions.builder()
                .onCommandExecutionAsync(params -> Mono.never())
                .build();
        IncomingRequest request = new IncomingRequest(RequestId.of("req-9"), COMMAND, realCommandRequest().params());
        approvals.handle(request, context).subscribe().dispose();

        assertThat(context.events()).singleElement().satisfies(event -> {
            assertThat(event.decidedBy()).isEqualTo(DecidedBy.CANCELLED);
            assertThat(event.requestId()).isEqualTo("req-9");
        });
    }
}
