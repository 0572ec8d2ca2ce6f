package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.testing.ClosingClients;
import dev.codex4j.appserver.testing.InMemoryTransport;
import java.io.IOException;
import java.lang.reflect.RecordComponent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Typed messages tell which thread and turn they are about without re-reading their JSON: params records
 * implement {@link ThreadScoped}/{@link TurnScoped}, and {@link ServerNotification#threadId()} /
 * {@link ServerNotification#turnId()} (and {@link ServerRequest}'s) also find ids nested in {@code thread} or
 * {@code turn}, or in the raw params of a method this version does not know.
 */
@Timeout(30)
class ThreadAndTurnIdsTest {

    private static final ObjectMapper MAPPER = AppServerClient.defaultObjectMapper();

    @RegisterExtension
    final ClosingClients clients = new ClosingClients();

    private static JsonNode json(String text) throws IOException {
        return MAPPER.readTree(text.replace('\'', '"'));
    }

    private static ServerNotification notification(String method, String params) throws IOException {
        return ServerNotifications.decode(MAPPER, method, json(params));
    }

    @Test
    void itemNotificationsNameTheirThreadAndTurn() throws IOException {
        ServerNotification n = notification("item/completed",
                "{'threadId':'t1','turnId':'u1','completedAtMs':1,'item':{'type':'agentMessage','id':'m','text':'hi'}}");
        assertThat(n.threadId()).contains("t1");
        assertThat(n.turnId()).contains("u1");
        assertThat(n.params()).isInstanceOfSatisfying(ThreadScoped.class, p -> assertThat(p.threadId()).isEqualTo("t1"))
                .isInstanceOfSatisfying(TurnScoped.class, p -> assertThat(p.turnId()).isEqualTo("u1"));
    }

    @Test
    void idsNestedInTheTurnOrThreadAreFoundToo() throws IOException {
        ServerNotification completed = notification("turn/completed",
                "{'threadId':'t1','turn':{'id':'u2','status':'completed','items':[]}}");
        assertThat(completed.threadId()).contains("t1");
        assertThat(completed.turnId()).contains("u2");

        ServerNotification started = notification("thread/started", "{'thread':{'id':'t3'}}");
        assertThat(started.threadId()).contains("t3");
        assertThat(started.turnId()).isEmpty();
    }

    @Test
    void messagesAboutNoThreadOrWithoutTheIdHaveNone() throws IOException {
        ServerNotification account = notification("account/updated", "{'authMode':null}");
        assertThat(account.threadId()).isEmpty();
        assertThat(account.turnId()).isEmpty();
        // optional in the schema, and left out
        ServerNotification mcp = notification("mcpServer/startupStatus/updated", "{'name':'x','status':'ready'}");
        assertThat(mcp.threadId()).isEmpty();
        // no params at all
        ServerNotification bare = ServerNotifications.decode(MAPPER, "item/completed", null);
        assertThat(bare.threadId()).isEmpty();
        assertThat(bare.turnId()).isEmpty();
    }

    @Test
    void anUnknownMethodOffersTopLevelStringIdsOfItsRawParams() throws IOException {
        ServerNotification n = notification("thread/shinyNewThing", "{'threadId':'t9','turnId':7}");
        assertThat(n).isInstanceOf(ServerNotification.UnknownNotification.class);
        assertThat(n.threadId()).contains("t9");
        assertThat(n.turnId()).as("not a string").isEmpty();
        assertThat(ServerRequests.decode(MAPPER, "item/brandNew/request", json("{'turnId':'u9'}")).turnId())
                .contains("u9");
    }

    @Test
    void serverRequestsNameTheirThreadAndTurn() throws IOException {
        ServerRequest r = ServerRequests.decode(MAPPER, "item/fileChange/requestApproval",
                json("{'threadId':'t1','turnId':'u1','itemId':'i','startedAtMs':1}"));
        assertThat(r.threadId()).contains("t1");
        assertThat(r.turnId()).contains("u1");
    }

    @Test
    void everyNotificationAndServerRequestParamsWithAStringIdImplementsItsInterface() {
        List<Class<?>> params = new ArrayList<>();
        ServerNotifications.all().forEach(m -> params.add(m.payloadType()));
        ServerRequests.all().forEach(m -> params.add(m.paramsType()));
        int threadScoped = 0;
        for (Class<?> type : params) {
            boolean threadId = hasStringComponent(type, "threadId");
            assertThat(ThreadScoped.class.isAssignableFrom(type)).as(type.getSimpleName()).isEqualTo(threadId);
            assertThat(TurnScoped.class.isAssignableFrom(type)).as(type.getSimpleName())
                    .isEqualTo(hasStringComponent(type, "turnId"));
            threadScoped += threadId ? 1 : 0;
        }
        assertThat(threadScoped).as("most messages are about a thread").isGreaterThan(50);
    }

    @Test
    void aClientFiltersTypedNotificationsByThread() {
        InMemoryTransport server = new InMemoryTransport();
        AppServerClient client = clients.add(AppServerClient.builder().transport(() -> server).build());
        CompletableFuture<?> started = client.start().toFuture();
        server.completeHandshake();
        started.join();
        CompletableFuture<List<String>> mine = client.typedNotifications()
                .filter(n -> n.threadId().equals(Optional.of("mine")))
                .take(2).map(ServerNotification::method).collectList().toFuture();

        server.serverSends("{'method':'thread/status/changed','params':{'threadId':'other','status':{'type':'idle'}}}"
                .replace('\'', '"'));
        server.serverSends("{'method':'thread/started','params':{'thread':{'id':'mine'}}}".replace('\'', '"'));
        server.serverSends("{'method':'account/updated','params':{}}".replace('\'', '"'));
        server.serverSends("{'method':'thread/status/changed','params':{'threadId':'mine','status':{'type':'idle'}}}"
                .replace('\'', '"'));

        assertThat(mine.orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).join())
                .containsExactly("thread/started", "thread/status/changed");
    }

    private static boolean hasStringComponent(Class<?> type, String name) {
        RecordComponent[] components = type.getRecordComponents();
        return components != null && Stream.of(components)
                .anyMatch(c -> c.getName().equals(name) && c.getType() == String.class);
    }
}
