package dev.codex4j.appserver.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link StdioTransport#replaceReader()} against {@code cat}, which echoes every line the test sends. */
@Timeout(30)
class StdioTransportReplaceReaderTest {

    private final StdioTransport transport =
            new StdioTransport(List.of("cat"), Map.of(), true, null, StdioOptions.defaults());
    private final BlockingQueue<String> lines = new LinkedBlockingQueue<>(); // "line@thread"
    private final CountDownLatch readerHeld = new CountDownLatch(1);
    private final CountDownLatch releaseHeld = new CountDownLatch(1);
    private final CountDownLatch heldReturned = new CountDownLatch(1);
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicInteger closedReports = new AtomicInteger();
    private final AtomicInteger batchEnds = new AtomicInteger();

    @AfterEach
    void tearDown() {
        transport.close();
    }

    /**
     * Records each line with the thread it arrived on, and holds the reader (until {@code releaseHeld}) in
     * the first batch end, or, with {@code holdAtLine}, in the call for that line.
     */
    private void startHolding(String holdAtLine) throws Exception {
        transport.start(new TransportListener() {
            @Override
            public void onLine(byte[] buffer, int offset, int length) {
                String line = new String(buffer, offset, length, UTF_8);
                lines.add(line + "@" + Thread.currentThread().getName());
                if (line.equals(holdAtLine)) {
                    hold();
                }
            }

            @Override
            public void onBatchEnd() {
                if (holdAtLine == null && batchEnds.incrementAndGet() == 1) {
                    hold();
                }
            }

            @Override
            public void onClosed(TransportClosed ended) {
                closedReports.incrementAndGet();
                closed.countDown();
            }
        });
    }

    private void hold() {
        readerHeld.countDown();
        await(releaseHeld);
        heldReturned.countDown();
    }

    private void startHoldingTheFirstBatch() throws Exception {
        startHolding(null);
    }

    @Test
    void aNewReaderReadsOnWhileTheListenerHoldsTheOldOneAndTheOldOneLeaves() throws Exception {
        startHoldingTheFirstBatch();
        assertThat(transport.replaceReader()).as("not held yet").isFalse();
        transport.send("a".getBytes(UTF_8));
        assertThat(readerHeld.await(10, TimeUnit.SECONDS)).isTrue();

        assertThat(transport.replaceReader()).isTrue();
        assertThat(transport.replaceReader()).as("the held reader was already replaced").isFalse();
        transport.send("b".getBytes(UTF_8));
        String first = "codex4j-stdout-" + transport.pid();
        assertThat(next()).isEqualTo("a@" + first);
        assertThat(next()).isEqualTo("b@" + first + "-2");

        releaseHeld.countDown();
        assertThat(heldReturned.await(10, TimeUnit.SECONDS)).isTrue();
        transport.send("c".getBytes(UTF_8));
        assertThat(next()).isEqualTo("c@" + first + "-2");

        transport.close();
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(closedReports).hasValue(1);
        assertThat(lines).isEmpty();
    }

    @Test
    void aReaderHeldInOnLineIsReplacedByOneThatGoesOnFromTheNextLineOfTheSameRead() throws Exception {
        startHolding("hold");
        transport.send("before\nhold\nafter-1\nafter-2".getBytes(UTF_8)); // one write: most likely one read
        assertThat(readerHeld.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(transport.replaceReader()).isTrue();
        String first = "codex4j-stdout-" + transport.pid();
        assertThat(next()).isEqualTo("before@" + first);
        assertThat(next()).isEqualTo("hold@" + first);
        assertThat(next()).isEqualTo("after-1@" + first + "-2");
        assertThat(next()).isEqualTo("after-2@" + first + "-2");
        releaseHeld.countDown();
        assertThat(heldReturned.await(10, TimeUnit.SECONDS)).isTrue();
        transport.send("last".getBytes(UTF_8));
        assertThat(next()).isEqualTo("last@" + first + "-2");
        transport.close();
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(closedReports).hasValue(1);
        assertThat(lines).isEmpty();
    }

    @Test
    void theEndOfOutputIsReportedOnceWhenTheHeldReaderWasReplaced() throws Exception {
        startHoldingTheFirstBatch();
        transport.send("a".getBytes(UTF_8));
        assertThat(readerHeld.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(transport.replaceReader()).isTrue();

        transport.close(); // the new reader sees the end while the old one is still held
        assertThat(closed.await(10, TimeUnit.SECONDS)).isTrue();
        releaseHeld.countDown();
        assertThat(heldReturned.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(closedReports).hasValue(1);
    }

    private String next() throws InterruptedException {
        String line = lines.poll(10, TimeUnit.SECONDS);
        assertThat(line).as("a line within 10 s").isNotNull();
        return line;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
