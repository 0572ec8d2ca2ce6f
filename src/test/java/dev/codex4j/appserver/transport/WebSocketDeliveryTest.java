package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.FakeWebSocketServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How {@link WebSocketTransport} hands messages on: inline on the JDK's I/O thread while nothing is queued, through
 * the inbox and the reader thread when the listener declines a message or the reader is busy, and back, in wire
 * order throughout, one listener call at a time; the end after everything queued.
 */
@Timeout(60)
class WebSocketDeliveryTest {

    private FakeWebSocketServer server;
    private WebSocketTransport transport;
    private final Recorder recorder = new Recorder();

    /** One delivered message: its text, whether it came inline ({@code offerLine}), and on which thread. */
    private record Delivery(String text, boolean inline, String thread) {}

    /**
     * Takes messages inline unless they contain {@code "declined"}; the first declined one waits in {@code onLine}
     * for {@link #release} (the reader held). Records each call as it ends, and counts overlapping calls.
     */
    private static final class Recorder implements TransportListener {
        final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
        final CountDownLatch held = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final AtomicInteger inCall = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final AtomicInteger closedCalls = new AtomicInteger();
        final CompletableFuture<TransportClosed> closed = new CompletableFuture<>();
        /** How many messages had been delivered when the end was reported. */
        volatile int deliveredAtEnd = -1;

        @Override
        public boolean offerLine(byte[] buffer, int offset, int length) {
            String text = new String(buffer, offset, length, StandardCharsets.UTF_8);
            if (text.contains("declined")) {
                return false;
            }
            enter();
            deliveries.add(new Delivery(text, true, Thread.currentThread().getName()));
            leave();
            return true;
        }

        @Override
        public void onLine(byte[] buffer, int offset, int length) {
            enter();
            String text = new String(buffer, offset, length, StandardCharsets.UTF_8);
            if (held.getCount() > 0 && text.contains("declined")) {
                held.countDown();
                leave(); // a held reader may be replaced: calls may overlap from here, as the contract says
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                deliveries.add(new Delivery(text, false, Thread.currentThread().getName()));
                return;
            }
            deliveries.add(new Delivery(text, false, Thread.currentThread().getName()));
            leave();
        }

        @Override
        public void onBatchEnd() {
            enter();
            leave();
        }

        @Override
        public void onClosed(TransportClosed end) {
            deliveredAtEnd = deliveries.size();
            closedCalls.incrementAndGet();
            closed.complete(end);
        }

        private void enter() {
            if (inCall.incrementAndGet() != 1) {
                overlaps.incrementAndGet();
            }
        }

        private void leave() {
            inCall.decrementAndGet();
        }

        List<String> texts() {
            return deliveries.stream().map(Delivery::text).toList();
        }
    }

    @BeforeEach
    void setUp() throws Exception {
        server = FakeWebSocketServer.start();
        transport = new WebSocketTransport(WebSocketOptions.builder(server.uri())
                .connectTimeout(Duration.ofSeconds(5)).build());
        transport.start(recorder);
    }

    @AfterEach
    void tearDown() {
        recorder.release.countDown();
        transport.close();
        server.close();
    }

    private static String message(int i, boolean declined) {
        return "{\"method\":\"" + (declined ? "declined" : "taken") + "\",\"params\":{\"seq\":" + i + "}}";
    }

    private static List<String> messages(int from, int to) {
        List<String> all = new ArrayList<>();
        for (int i = from; i < to; i++) {
            all.add(message(i, false));
        }
        return all;
    }

    @Test
    void messagesKeepWireOrderAcrossTheSwitchesBetweenInlineAndQueuedDelivery() throws Exception {
        List<String> sent = new ArrayList<>(messages(0, 50));
        sent.add(message(50, true)); // declined inline: the reader delivers it, and waits in the call
        sent.forEach(server::send);
        assertThat(recorder.held.await(10, TimeUnit.SECONDS)).isTrue();

        // Everything arriving while the reader holds delivery waits behind it, however free the I/O thread is.
        List<String> whileHeld = new ArrayList<>(messages(51, 200));
        whileHeld.set(60, message(111, true));
        whileHeld.forEach(server::send);
        sent.addAll(whileHeld);
        awaitTrue(() -> transport.queued() == whileHeld.size());
        recorder.release.countDown();
        awaitTrue(() -> recorder.deliveries.size() == sent.size());

        // Then inline again: one message at a time, until one is taken on the I/O thread.
        int next = 200;
        boolean inlineAgain = false;
        while (!inlineAgain && next < 1200) {
            String one = message(next++, false);
            sent.add(one);
            server.send(one);
            awaitTrue(() -> recorder.deliveries.size() == sent.size());
            inlineAgain = recorder.deliveries.get(sent.size() - 1).inline();
        }

        assertThat(recorder.texts()).containsExactlyElementsOf(sent);
        assertThat(inlineAgain).as("delivered inline again once the inbox was drained").isTrue();
        List<Delivery> first = recorder.deliveries.subList(0, 50);
        assertThat(first).allSatisfy(d -> assertThat(d.inline()).isTrue());
        assertThat(recorder.deliveries.subList(50, 200)).allSatisfy(d -> {
            assertThat(d.inline()).isFalse();
            assertThat(d.thread()).startsWith("codex4j-ws-reader-");
        });
        assertThat(recorder.overlaps).hasValue(0);
    }

    @Test
    void theEndIsReportedOnceAfterEveryQueuedMessageWhenTheConnectionDiesWhileTheReaderIsHeld() throws Exception {
        server.send(message(0, false));
        server.send(message(1, true));
        assertThat(recorder.held.await(10, TimeUnit.SECONDS)).isTrue();
        List<String> sent = new ArrayList<>(List.of(message(0, false), message(1, true)));
        List<String> whileHeld = messages(2, 40);
        whileHeld.forEach(server::send);
        sent.addAll(whileHeld);
        awaitTrue(() -> transport.queued() == whileHeld.size());
        server.dropConnection();
        awaitTrue(() -> transport.queued() == whileHeld.size() + 1); // the end, known and queued behind them

        assertThat(recorder.closed).isNotDone();
        recorder.release.countDown();
        TransportClosed end = recorder.closed.get(10, TimeUnit.SECONDS);

        assertThat(end.reason()).contains("close code 1006");
        assertThat(recorder.deliveredAtEnd).isEqualTo(sent.size());
        assertThat(recorder.texts()).containsExactlyElementsOf(sent);
        transport.close();
        assertThat(recorder.closedCalls).hasValue(1);
    }

    @Test
    void aReaderWokenByItsKeepAliveTimerOrAQueuedMessageDeliversAndNoReaderThreadOutlivesClose() throws Exception {
        try (FakeWebSocketServer pinged = FakeWebSocketServer.start()) {
            Recorder seen = new Recorder();
            seen.release.countDown(); // nothing is held here
            // a ping's answer must be in within the interval, or the connection is given up: 500 ms leaves room
            // for a loaded machine (with 50 ms, one run in a hundred lost its connection under load)
            WebSocketTransport t = new WebSocketTransport(WebSocketOptions.builder(pinged.uri())
                    .connectTimeout(Duration.ofSeconds(5)).pingInterval(Duration.ofMillis(500)).build());
            t.start(seen);
            try {
                List<String> sent = new ArrayList<>();
                for (int i = 0; i < 6; i++) { // the reader wakes for its pings between these
                    assertThat(pinged.awaitPings(1, 10)).isTrue();
                    sent.add(message(2 * i, false));
                    sent.add(message(2 * i + 1, true));
                    pinged.send(sent.get(sent.size() - 2));
                    pinged.send(sent.get(sent.size() - 1));
                    awaitTrue(() -> seen.deliveries.size() == sent.size());
                }
                assertThat(seen.texts()).containsExactlyElementsOf(sent);
                String reader = seen.deliveries.get(1).thread();
                assertThat(reader).startsWith("codex4j-ws-reader-");
                t.close();
                assertThat(seen.closedCalls).hasValue(1);
                assertThat(Thread.getAllStackTraces().keySet()).filteredOn(Thread::isAlive).extracting(Thread::getName)
                        .noneMatch(name -> name.equals(reader) || name.startsWith(reader + "-"));
            } finally {
                t.close();
            }
        }
    }

    /** Waits for a condition no event announces (what the transport's I/O thread has queued), up to 10 s. */
    private static void awaitTrue(BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime() - deadline).as("waited 10 s").isNegative();
            Thread.yield();
        }
    }
}
