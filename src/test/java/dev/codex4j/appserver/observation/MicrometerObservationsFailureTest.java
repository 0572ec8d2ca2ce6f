package dev.codex4j.appserver.observation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.testing.FakeClients;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A meter registry that fails (a registry that refuses a meter, say Prometheus given the same name with other tag
 * keys elsewhere in the application) costs metrics, never a notification: the counter is bumped on the reader
 * thread before the notification is handed on, and the reader drops a line whose handling throws.
 */
@Timeout(60)
class MicrometerObservationsFailureTest {

    private static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    private AppServerClient client;

    @AfterEach
    void close() {
        if (client != null) {
            client.close();
        }
    }

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
