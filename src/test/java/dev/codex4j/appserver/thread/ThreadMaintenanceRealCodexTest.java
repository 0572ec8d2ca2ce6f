package dev.codex4j.appserver.thread;

import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.protocol.ServerNotification;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.ThreadSnapshot;
import dev.codex4j.appserver.protocol.types.ThreadItem;
import dev.codex4j.appserver.protocol.types.ThreadListParams;
import dev.codex4j.appserver.protocol.types.ThreadNameUpdatedNotification;
import dev.codex4j.appserver.protocol.types.Turn;
import dev.codex4j.appserver.protocol.types.TurnStatus;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Thread maintenance end to end, the pinned codex binary against a scripted model: compaction, renaming,
 * archiving and rollback ({@code thread/compact/start}, {@code thread/name/set}, {@code thread/archive},
 * {@code thread/unarchive}, {@code thread/revert}).
 */
@Timeout(120)
class ThreadMaintenanceRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** The start of the prompt codex 0.169.0 sends as the last user message of a compaction request. */
    private static final String COMPACTION_PROMPT = "You are performing a CONTEXT CHECKPOINT COMPACTION.";

    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
        client = newClient();
    }

    @AfterEach
    void tearDown() {
        client.close();
        model.close();
        codex.close();
    }

    private AppServerClient newClient() {
        AppServerClient c = codex.clientBuilder()
                .approvals(ApprovalDecisions.declineAll())
                .requestTimeout(WAIT)
                .build();
        c.start().block(WAIT);
        return c;
    }

    /** A new thread with one completed turn per prompt; the model answers each prompt with {@code answers}. */
    private CodexThread threadWithTurns(List<String> prompts, List<String> answers) {
        CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
        for (int i = 0; i < prompts.size(); i++) {
            model.enqueue(Reply.message(answers.get(i)));
            assertThat(thread.run(prompts.get(i)).block(WAIT).status()).isEqualTo(TurnStatus.COMPLETED);
        }
        return thread;
    }

    // --- compact ---------------------------------------------------------------------------------------

    @Test
    void compactRunsACompactionTurnAndLaterTurnsSeeTheSummaryInsteadOfTheAnswers() {
        CodexThread thread = threadWithTurns(List.of("first question", "second question"), List.of("one", "two"));
        model.enqueue(Reply.message("SUMMARY: the user asked two questions"), Reply.message("after compaction"));

        TurnResult compaction = thread.compact().block(WAIT);

        // The compaction is a turn of its own whose only item is the contextCompaction; the summary text is no
        // agent message of it.
        assertThat(compaction.status()).isEqualTo(TurnStatus.COMPLETED);
        assertThat(compaction.threadId()).isEqualTo(thread.id());
        assertThat(compaction.items()).singleElement().isInstanceOf(ThreadItem.ContextCompaction.class);
        assertThat(compaction.finalResponse()).isNull();
        assertThat(CodexThreads.of(client).hasRunningTurn(thread.id())).isFalse();

        // What the model saw: an ordinary Responses request with the whole history, no tools, and a
        // compaction prompt as the last user message.
        RecordedRequest compactionRequest = model.awaitRequests(3, WAIT).get(2);
        assertThat(compactionRequest.path()).isEqualTo("/v1/responses");
        assertThat(compactionRequest.body().path("tools")).isEmpty();
        List<String> userTexts = texts(compactionRequest, "user");
        assertThat(userTexts.get(userTexts.size() - 1)).startsWith(COMPACTION_PROMPT);
        assertThat(userTexts).contains("first question", "second question");
        assertThat(texts(compactionRequest, "assistant")).containsExactly("one", "two");
        assertThat(turnMetadata(compactionRequest).path("request_kind").asText()).isEqualTo("compaction");

        // The thread's history has the compaction turn between the others.
        assertThat(thread.read().block(WAIT).turns()).extracting(Turn::id).hasSize(3).last()
                .isEqualTo(compaction.turnId());

        // The next turn's request replaces the earlier answers by the summary; the user's prompts stay.
        TurnResult next = thread.run("third question").block(WAIT);
        assertThat(next.finalResponse()).isEqualTo("after compaction");
        RecordedRequest afterCompaction = model.requests().get(3);
        assertThat(texts(afterCompaction, "assistant")).isEmpty();
        assertThat(texts(afterCompaction, "user")).contains("first question", "second question", "third question")
                .anySatisfy(text -> assertThat(text).endsWith("SUMMARY: the user asked two questions"));
    }

    @Test
    void aCompactionTheModelFailsYieldsAFailedResult() {
        CodexThread thread = threadWithTurns(List.of("question"), List.of("answer"));
        model.enqueue(Reply.httpError(400, "{\"error\":{\"message\":\"no summary today\"}}"));

        TurnResult compaction = thread.compact().block(WAIT);

        assertThat(compaction.status()).isEqualTo(TurnStatus.FAILED);
        assertThat(compaction.error()).isNotNull();
        assertThat(compaction.error().message()).contains("no summary today");
        assertThat(model.requests()).hasSize(2);
    }

    // --- setName ---------------------------------------------------------------------------------------

    @Test
    void setNameShowsInReadAndListIsAnnouncedAndOutlivesTheProcess() throws Exception {
        CodexThread thread = threadWithTurns(List.of("hello"), List.of("hi"));
        // codex answers thread/name/set before it sends thread/name/updated, so listen first.
        CompletableFuture<ThreadNameUpdatedNotification> announced = client
                .notifications(ServerNotifications.THREAD_NAME_UPDATED)
                .filter(n -> thread.id().equals(n.threadId())).next().toFuture();

        thread.setName("Flaky test hunt").block(WAIT);

        assertThat(announced.get(WAIT.toSeconds(), TimeUnit.SECONDS).threadName()).isEqualTo("Flaky test hunt");
        assertThat(thread.read().block(WAIT).name()).isEqualTo("Flaky test hunt");
        assertThat(CodexThreads.of(client).list(ThreadListParams.builder().build())
                .filter(t -> t.id().equals(thread.id())).map(ThreadSnapshot::name).collectList().block(WAIT))
                .containsExactly("Flaky test hunt");
        assertThat(CodexThreads.of(client).list(ThreadListParams.builder().searchTerm("test hunt").build())
                .map(ThreadSnapshot::id).collectList().block(WAIT)).containsExactly(thread.id());

        // Renaming again replaces the name; an empty name is refused.
        thread.setName("Renamed").block(WAIT);
        assertThat(thread.read().block(WAIT).name()).isEqualTo("Renamed");
        assertThatThrownBy(() -> thread.setName("").block(WAIT)).isInstanceOf(JsonRpcErrorException.class)
                .hasMessageContaining("thread name must not be empty");

        // The name is stored in CODEX_HOME: a new codex process reads it back.
        client.close();
        client = newClient();
        assertThat(CodexThreads.of(client).read(thread.id(), true).block(WAIT).name()).isEqualTo("Renamed");
    }

    // --- archive / unarchive ---------------------------------------------------------------------------

    @Test
    void archiveHidesTheThreadAndUnarchiveBringsItBackWithItsHistory() throws Exception {
        CodexThread thread = threadWithTurns(List.of("remember the number 42"), List.of("noted"));
        CodexThread other = threadWithTurns(List.of("unrelated"), List.of("ok"));
        CompletableFuture<ServerNotification> archived = next(ServerNotification.ThreadArchived.class, thread.id());

        thread.archive().block(WAIT);

        archived.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(listedIds(false)).contains(other.id()).doesNotContain(thread.id());
        assertThat(listedIds(true)).contains(thread.id()).doesNotContain(other.id());
        // Archiving unloads the thread: it takes no turns and cannot be archived again, but it can still be read.
        assertThatThrownBy(() -> thread.run("anyone there?").block(WAIT)).isInstanceOf(ThreadNotFoundException.class);
        assertThatThrownBy(() -> thread.archive().block(WAIT)).isInstanceOf(ThreadNotFoundException.class);
        assertThat(thread.read().block(WAIT).turns()).hasSize(1);
        assertThat(model.requests()).hasSize(2);

        CompletableFuture<ServerNotification> unarchived = next(ServerNotification.ThreadUnarchived.class, thread.id());
        ThreadSnapshot back = thread.unarchive().block(WAIT);

        unarchived.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(back.id()).isEqualTo(thread.id());
        assertThat(listedIds(false)).contains(thread.id(), other.id());
        assertThat(listedIds(true)).isEmpty();
        assertThatThrownBy(() -> thread.unarchive().block(WAIT)).isInstanceOf(ThreadNotFoundException.class)
                .hasMessageContaining("no archived rollout found");

        // Unarchiving does not load the thread again: turns need a resume first. The history survived it: the
        // next turn's model request carries the first exchange.
        assertThatThrownBy(() -> thread.run("still archived?").block(WAIT)).isInstanceOf(ThreadNotFoundException.class);
        model.enqueue(Reply.message("42"));
        CodexThread resumed = CodexThreads.of(client).resume(thread.id(), ThreadOptions.defaults()).block(WAIT);
        assertThat(resumed.run("which number?").block(WAIT).finalResponse()).isEqualTo("42");
        RecordedRequest request = model.requests().get(2);
        assertThat(texts(request, "user")).contains("remember the number 42", "which number?");
        assertThat(texts(request, "assistant")).containsExactly("noted");
    }

    // --- rollback --------------------------------------------------------------------------------------

    @Test
    void rollbackDropsTheTurnAndEveryLaterOneFromTheHistory() throws Exception {
        CodexThread thread = threadWithTurns(List.of("first", "second", "third"), List.of("one", "two", "three"));
        List<String> turnIds = thread.read().block(WAIT).turns().stream().map(Turn::id).toList();
        assertThat(turnIds).hasSize(3);
        CompletableFuture<ServerNotification> reverted = next(ServerNotification.ThreadReverted.class, thread.id());

        ThreadSnapshot afterwards = thread.rollback(turnIds.get(1)).block(WAIT);

        reverted.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(afterwards.turns()).extracting(Turn::id).containsExactly(turnIds.get(0));
        ThreadSnapshot read = thread.read().block(WAIT);
        assertThat(read.turns()).extracting(Turn::id).containsExactly(turnIds.get(0));
        assertThat(read.turns().get(0).items()).filteredOn(i -> i instanceof ThreadItem.AgentMessage)
                .extracting(i -> ((ThreadItem.AgentMessage) i).text()).containsExactly("one");

        // The model no longer sees the dropped turns.
        model.enqueue(Reply.message("four"));
        assertThat(thread.run("fourth").block(WAIT).finalResponse()).isEqualTo("four");
        RecordedRequest request = model.requests().get(3);
        assertThat(texts(request, "user")).contains("first", "fourth").doesNotContain("second", "third");
        assertThat(texts(request, "assistant")).containsExactly("one");
    }

    @Test
    void rollbackToATurnTheThreadDoesNotHaveFailsAndKeepsTheHistory() {
        CodexThread thread = threadWithTurns(List.of("first"), List.of("one"));
        String turnId = thread.read().block(WAIT).turns().get(0).id();
        String unknownTurn = "00000000-0000-0000-0000-000000000000";

        assertThatThrownBy(() -> thread.rollback(unknownTurn).block(WAIT)).isInstanceOf(JsonRpcErrorException.class)
                .hasMessageContaining("turn not found: " + unknownTurn);
        assertThat(thread.read().block(WAIT).turns()).extracting(Turn::id).containsExactly(turnId);

        // Rolling back before the first turn empties the history.
        assertThat(thread.rollback(turnId).block(WAIT).turns()).isEmpty();
        assertThat(thread.read().block(WAIT).turns()).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------------

    /** The first notification of {@code type} for {@code threadId}; subscribed at once, so call it before acting. */
    private CompletableFuture<ServerNotification> next(Class<? extends ServerNotification> type, String threadId) {
        return client.typedNotifications().filter(type::isInstance)
                .filter(n -> threadId.equals(client.objectMapper().valueToTree(n.params()).path("threadId").asText()))
                .next().toFuture();
    }

    private List<String> listedIds(boolean archived) {
        return CodexThreads.of(client).list(ThreadListParams.builder().archived(archived).build())
                .map(ThreadSnapshot::id).collectList().block(WAIT);
    }

    private static JsonNode turnMetadata(RecordedRequest request) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper()
                    .readTree(request.body().path("client_metadata").path("x-codex-turn-metadata").asText());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AssertionError("x-codex-turn-metadata is not JSON", e);
        }
    }

    private static List<String> texts(RecordedRequest request, String role) {
        return request.inputItems("message").stream().filter(m -> role.equals(m.path("role").asText()))
                .flatMap(m -> StreamSupport.stream(m.path("content").spliterator(), false))
                .map(c -> c.path("text").asText()).toList();
    }
}
