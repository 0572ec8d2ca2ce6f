package dev.codex4j.appserver;

import dev.codex4j.appserver.rpc.NotificationOverflowException;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.codex4j.appserver.testing.FakeClients;
import dev.codex4j.appserver.testing.TestThreads;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Promise 5, slow consumers: a subscriber that blocks holds up neither responses nor other subscribers; when
 * its own bounded buffer overflows, only its stream ends, with {@link NotificationOverflowException}. A
 * response's continuation that blocks the reader thread it runs on gets a new reader started, so responses
 * and notifications keep flowing.
 */
@Timeout(60)
class GuaranteeSlowConsumerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    /** How long the stalled subscriber would block if the test did not release it. */
    private static final long BLOCK_SECONDS = 10;

    @TempDir
    Path dir;

    private AppServerClient client;
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void close() throws Exception {
        release.countDown();
        if (client != null) {
            client.close();
        }
    }

    /** The stalled subscriber: it has blocked once {@code blocking} is open; {@code ended} is how its stream ended. */
    private record Stalled(CountDownLatch blocking, CompletableFuture<Throwable> ended) {}

    /** A subscriber that blocks (up to 10 s) on its first notification until the test releases it. */
    private Stalled stalledSubscriber(List<Integer> seen) {
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        CountDownLatch blocking = new CountDownLatch(1);
        client.notifications("n").subscribe(n -> {
            seen.add(n.params().get("i").asInt());
            blocking.countDown();
            try {
                release.await(BLOCK_SECONDS, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, ended::complete, () -> ended.complete(null));
        return new Stalled(blocking, ended);
    }

    @Test
    void aSubscriberBlockedFor10sDelaysNeitherResponsesNorOtherSubscribers() throws Exception {
        client = FakeClients.builder(dir).build();
        client.start().block(WAIT);
        List<Integer> stalledSeen = Collections.synchronizedList(new ArrayList<>());
        Stalled stalled = stalledSubscriber(stalledSeen);
        BlockingQueue<Integer> healthy = new LinkedBlockingQueue<>();
        client.notifications("n").subscribe(n -> healthy.add(n.params().get("i").asInt()));

        long blockedAt = System.nanoTime();
        client.request("fake/notify", Map.of("count", 500, "method", "n", "params", Map.of(), "indexField", "i"))
                .block(WAIT);
        for (int i = 0; i < 500; i++) {
            assertThat(healthy.poll(5, TimeUnit.SECONDS)).isEqualTo(i);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(client.request("echo", Map.of("i", i)).block(WAIT).get("i").asInt()).isEqualTo(i);
        }
        // all of that happened while the first subscriber was still blocked in its first notification (it
        // is drained on a thread of its own: the healthy one's progress says nothing about when it got there)
        assertThat(stalled.blocking().await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - blockedAt)).isLessThan(Duration.ofSeconds(BLOCK_SECONDS));
        assertThat(stalledSeen).containsExactly(0);

        release.countDown();
        client.request("fake/notify", Map.of("count", 1, "method", "n", "params", Map.of("i", 500))).block(WAIT);
        assertThat(healthy.poll(5, TimeUnit.SECONDS)).isEqualTo(500);
        client.close();
        assertThat(stalled.ended().get(5, TimeUnit.SECONDS)).isNull(); // completed normally: nothing was lost
        assertThat(stalledSeen).isEqualTo(IntStream.rangeClosed(0, 500).boxed().toList());
    }

    @Test
    void whenItsBufferOverflowsOnlyTheSlowSubscribersStreamEndsWithNotificationOverflowException() throws Exception {
        int buffer = 16;
        client = FakeClients.builder(dir).notificationBufferSize(buffer).build();
        client.start().block(WAIT);
        List<Integer> stalledSeen = Collections.synchronizedList(new ArrayList<>());
        Stalled stalled = stalledSubscriber(stalledSeen);
        BlockingQueue<Integer> healthy = new LinkedBlockingQueue<>();
        client.notifications("n").subscribe(n -> healthy.add(n.params().get("i").asInt()));

        // sent in small bursts the healthy subscriber keeps up with, so only the stalled one overflows
        for (int burst = 0; burst < 10; burst++) {
            client.request("fake/notify", Map.of("count", 10, "method", "n",
                    "params", Map.of("burst", burst), "indexField", "i")).block(WAIT);
            for (int i = 0; i < 10; i++) {
                assertThat(healthy.poll(5, TimeUnit.SECONDS)).isEqualTo(i);
            }
        }
        release.countDown();

        assertThat(stalled.ended().get(5, TimeUnit.SECONDS)).isInstanceOf(NotificationOverflowException.class)
                .hasMessageContaining("notificationBufferSize");
        // what it did get is a gap-free prefix: nothing was dropped silently
        assertThat(stalledSeen.size()).isGreaterThanOrEqualTo(buffer);
        assertThat(client.request("echo", Map.of("still", 1)).block(WAIT).get("still").asInt()).isEqualTo(1);
        client.request("fake/notify", Map.of("count", 1, "method", "n", "params", Map.of("i", 77))).block(WAIT);
        assertThat(healthy.poll(5, TimeUnit.SECONDS)).isEqualTo(77);
    }

    @Test
    void aResponseContinuationThatBlocksGetsTheReaderReplacedAndEverythingElseFlows() throws Exception {
        client = FakeClients.builder(dir).build();
        client.start().block(WAIT);
        BlockingQueue<Integer> healthy = new LinkedBlockingQueue<>();
        client.notifications("n").subscribe(n -> healthy.add(n.params().get("i").asInt()));

        CountDownLatch blocking = new CountDownLatch(1);
        CompletableFuture<String> blockedOn = client.request("echo", Map.of("slow", 1))
                .map(r -> {
                    blocking.countDown();
                    try {
                        release.await(BLOCK_SECONDS, TimeUnit.SECONDS); // holds the reader it runs on
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Thread.currentThread().getName();
                })
                .toFuture();
        assertThat(blocking.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();

        // while it blocks: requests are answered and notifications delivered, by a new reader
        for (int i = 0; i < 20; i++) {
            assertThat(client.request("echo", Map.of("i", i)).block(WAIT).get("i").asInt()).isEqualTo(i);
        }
        client.request("fake/notify", Map.of("count", 100, "method", "n", "params", Map.of(), "indexField", "i"))
                .block(WAIT);
        for (int i = 0; i < 100; i++) {
            assertThat(healthy.poll(5, TimeUnit.SECONDS)).isEqualTo(i);
        }
        // and a continuation that blocks on another request gets its answer
        assertThat(client.request("echo", Map.of("outer", 1))
                .map(r -> client.request("echo", Map.of("inner", 2)).block(WAIT).get("inner").asInt())
                .block(WAIT)).isEqualTo(2);
        assertThat(blockedOn).isNotDone();

        release.countDown();
        assertThat(blockedOn.get(WAIT.toSeconds(), TimeUnit.SECONDS)).startsWith("codex4j-stdout-");
        assertThat(client.request("echo", Map.of("after", 3)).block(WAIT).get("after").asInt()).isEqualTo(3);
    }

    /**
     * Requests sent, from several threads, while the server floods stdout and reads no stdin until it is
     * done: whoever writes them (a sender, or the reader after a read) may block on the full pipe; if it is
     * the reader, a new reader takes over. Everything arrives.
     */
    @Test
    void requestsSentWhileTheServerFloodsWithoutReadingAreAllAnsweredAndNothingIsLost() throws Exception {
        int count = 20_000;
        client = FakeClients.builder(dir).notificationBufferSize(count).requestTimeout(Duration.ofSeconds(20)).build();
        client.start().block(WAIT);
        List<Integer> outOfOrder = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch flooded = new CountDownLatch(count);
        int[] next = new int[1];
        client.notifications("flood").subscribe(n -> {
            int i = n.params().get("i").asInt();
            if (i != next[0]++) {
                outOfOrder.add(i);
            }
            flooded.countDown();
        });

        CompletableFuture<JsonNode> flood = client.request("fake/notify", Map.of("count", count, "method", "flood",
                "params", Map.of("pad", "x".repeat(200)), "indexField", "i")).toFuture();
        String pad = "y".repeat(1000); // 2 x 150 KiB of requests: more than the pipe and the server's buffer hold
        List<CompletableFuture<List<CompletableFuture<JsonNode>>>> senders = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
            int sender = t;
            CompletableFuture<List<CompletableFuture<JsonNode>>> sent = new CompletableFuture<>();
            senders.add(sent);
            TestThreads.start("sender-" + t, () -> {
                List<CompletableFuture<JsonNode>> answers = new ArrayList<>();
                for (int k = 0; k < 150; k++) {
                    answers.add(client.request("echo", Map.of("t", sender, "k", k, "pad", pad)).toFuture());
                }
                sent.complete(answers);
            });
        }

        assertThat(flood.get(WAIT.toSeconds(), TimeUnit.SECONDS).get("count").asInt()).isEqualTo(count);
        for (int t = 0; t < 2; t++) {
            List<CompletableFuture<JsonNode>> answers = senders.get(t).get(WAIT.toSeconds(), TimeUnit.SECONDS);
            for (int k = 0; k < answers.size(); k++) {
                JsonNode echoed = answers.get(k).get(WAIT.toSeconds(), TimeUnit.SECONDS);
                assertThat(echoed.get("t").asInt() * 1000 + echoed.get("k").asInt()).isEqualTo(t * 1000 + k);
                assertThat(echoed.get("pad").asText()).isEqualTo(pad);
            }
        }
        assertThat(flooded.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(outOfOrder).isEmpty();
    }
}
