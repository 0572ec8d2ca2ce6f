package dev.codex4j.appserver.observation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.RequestTimeoutException;
import dev.codex4j.appserver.testing.FakeClients;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;

/**
 * What the client tells its {@link ClientObserver}, without Micrometer: each request's start and outcome, each
 * notification, an overflowing subscriber, a server request's decision; and that a failing meter registry behind
 * {@link MicrometerObservations} loses no notification. Against the fake app-server.
 */
@Timeout(60)
class ClientObserverTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private final Queue<String> told = new ConcurrentLinkedQueue<>();
    private AppServerClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

    /** Writes down every callback as a line. */
    private final ClientObserver recording = new ClientObserver() {
        @Override
        public Activity requestStarted(String method, Activity parent) {
            told.add("request " + method);
            return new Activity() {
                @Override
                public void stop(String outcome, Throwable error) {
                    told.add("request " + method + " " + outcome);
                }
            };
        }

        @Override
        public void notificationReceived(String method) {
            told.add("notification " + method);
        }

        @Override
        public void notificationsDropped() {
            told.add("dropped");
        }

        @Override
        public Activity serverRequestStarted(String method, String threadId) {
            told.add("server request " + method + " on " + threadId);
            return new Activity() {
                @Override
                public void decided(String decision, String decidedBy) {
                    told.add("decided " + decision + " by " + decidedBy);
                }

                @Override
                public void stop(String outcome, Throwable error) {
                    told.add("server request " + outcome);
                }
            };
        }
    };

    @Test
    void requestsAreToldOnceWithTheirOutcome() {
        client = FakeClients.builder(dir).observations(recording).notificationBufferSize(4).build();
        client.start().block(WAIT);
        client.request("fake/delay", Map.of("ms", 1)).block(WAIT);
        assertThatThrownBy(() -> client.request("nope/nothing", Map.of()).block(WAIT))
                .isInstanceOf(JsonRpcErrorException.class);
        assertThatThrownBy(() -> client.request("fake/delay", Map.of("ms", 5_000), Duration.ofMillis(50)).block(WAIT))
                .isInstanceOf(RequestTimeoutException.class);
        // take(1) cancels its source after the value: still a success, told once
        Flux.from(client.request("fake/delay", Map.of("ms", 1))).take(1).blockLast(WAIT);

        assertThat(told).filteredOn(line -> line.startsWith("request")).containsExactly(
                "request initialize", "request initialize success",
                "request fake/delay", "request fake/delay success",
                "request nope/nothing", "request nope/nothing error",
                "request fake/delay", "request fake/delay timeout",
                "request fake/delay", "request fake/delay success");
    }

    @Test
    void notificationsAreToldAsTheyArriveAndAnOverflowOnce() {
        client = FakeClients.builder(dir).observations(recording).notificationBufferSize(4).build();
        client.start().block(WAIT);
        client.notifications().subscribe(new BaseSubscriber<>() {
            @Override
            protected void hookOnSubscribe(Subscription subscription) {
                // requests nothing: everything waits in its buffer of 4
            }
        });

        client.request("fake/notify", Map.of("count", 10, "method", "n")).block(WAIT);

        assertThat(told).filteredOn(line -> line.equals("notification n")).hasSize(10);
        assertThat(told).filteredOn(line -> line.equals("dropped")).hasSize(1);
    }

    @Test
    void aServerRequestIsToldWithItsThreadAndDecision() {
        client = FakeClients.builder(dir).observations(recording).build();
        client.start().block(WAIT);

        client.request("fake/serverRequest", Map.of("method", "item/commandExecution/requestApproval",
                "params", Map.of("threadId", "t-1", "turnId", "u", "itemId", "i", "command", "ls", "cwd",
                        dir.toString()))).block(WAIT);

        assertThat(List.copyOf(told)).filteredOn(line -> !line.startsWith("request")).containsSubsequence(
                "server request item/commandExecution/requestApproval on t-1", "decided decline by default",
                "server request answered");
    }

    /**
     * A meter registry that fails (one that refuses a meter, say Prometheus given the same name with other tag
     * keys elsewhere) costs metrics, never a notification: the counter is bumped on the reader thread before the
     * notification is handed on, and the reader drops a line whose handling throws.
     */
    @Test
    void aRegistryThatRefusesTheNotificationCounterLosesNoNotification() throws Exception {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        meters.config().meterFilter(new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (id.getName().equals(MicrometerObservations.NOTIFICATIONS)) {
                    throw new IllegalArgumentException("this registry refuses " + id.getName());
                }
                return id;
            }
        });
        client = FakeClients.builder(dir)
                .observations(MicrometerObservations.of(ObservationRegistry.create(), meters)).build();
        client.start().block(WAIT);
        CompletableFuture<List<Notification>> three = client.notifications()
                .filter(n -> n.method().equals("n")).take(3).collectList().toFuture();

        client.request("fake/notify", Map.of("count", 3, "method", "n")).block(WAIT);

        assertThat(three.get(WAIT.toSeconds(), TimeUnit.SECONDS)).hasSize(3);
    }
}
