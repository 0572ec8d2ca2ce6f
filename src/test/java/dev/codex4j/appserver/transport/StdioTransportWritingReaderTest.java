package dev.codex4j.appserver.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.testing.TestThreads;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What is sent while the reader handles a read is written by the reader when it is done with it. Here the
 * child writes far more than a pipe holds before it reads its stdin at all: the reader's write blocks, the
 * child blocks writing the stdout only the reader reads, and only a new reader gets them out of it.
 */
@Timeout(60)
class StdioTransportWritingReaderTest {

    private static final int LINES = 60_000;
    private static final int EVERY = 10_000; // more than one read (64 KiB) apart: one message per read
    private static final String CHILD = "i=0; while [ $i -lt " + LINES + " ]; do echo line$i; i=$((i+1)); done; cat";

    private final StdioTransport transport =
            new StdioTransport(List.of("sh", "-c", CHILD), Map.of(), true, null, StdioOptions.defaults());
    private final List<String> lines = Collections.synchronizedList(new ArrayList<>());
    private final List<String> threads = new CopyOnWriteArrayList<>();
    private final SynchronousQueue<Integer> sendNow = new SynchronousQueue<>();
    private final BlockingQueue<Boolean> sent = new LinkedBlockingQueue<>();

    @AfterEach
    void tearDown() {
        transport.close();
    }

    @Test
    void aReaderBlockedWritingWhatOthersSentIsReplacedAndNothingIsLost() throws Exception {
        CountDownLatch allEchoed = new CountDownLatch(LINES / EVERY);
        transport.start(new TransportListener() {
            @Override
            public void onLine(byte[] buffer, int offset, int length) {
                String line = new String(buffer, offset, length, UTF_8);
                if (line.startsWith("line")) {
                    lines.add(line);
                    if (!threads.contains(Thread.currentThread().getName())) {
                        threads.add(Thread.currentThread().getName());
                    }
                    int n = Integer.parseInt(line.substring(4));
                    if (n % EVERY == 0) { // another thread sends while this read is handled, and this waits
                        offer(n);
                        take();
                    }
                } else {
                    allEchoed.countDown();
                }
            }

            @Override
            public void onClosed(TransportClosed closed) {}
        });

        CompletableFuture<Void> sender = TestThreads.start("test-sender", () -> {
            try {
                for (int k = 0; k < LINES / EVERY; k++) {
                    int n = sendNow.take();
                    // just under the most left for the reader: it writes this once it has handled the read
                    String message = "m" + n + "-" + "x".repeat(StreamWriter.MAX_HELD_BYTES - 100);
                    transport.send(message.getBytes(UTF_8));
                    sent.add(true);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        // Four such writes fill the pipe the child does not read yet, and the fifth blocks the reader. What the
        // client's looks do (when requests are sent, and on its timeout sweep), a loop does here.
        AtomicInteger replaced = new AtomicInteger();
        CompletableFuture<Void> looks = TestThreads.start("test-looks", () -> {
            while (allEchoed.getCount() > 0) {
                if (transport.replaceReaderIfWriting(System.nanoTime(), TimeUnit.MILLISECONDS.toNanos(20))) {
                    replaced.incrementAndGet();
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
        });

        assertThat(allEchoed.await(30, TimeUnit.SECONDS)).as("cat echoed every message").isTrue();
        looks.get(10, TimeUnit.SECONDS);
        assertThat(replaced).as("a reader blocked writing").hasPositiveValue();
        sender.get(10, TimeUnit.SECONDS);
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < LINES; i++) {
            expected.add("line" + i);
        }
        assertThat(lines).as("every line, in order, across readers").isEqualTo(expected);
        // a reader that took over read on (one replaced after the last line would have read only echoes)
        assertThat(threads).hasSizeBetween(2, 1 + replaced.get());
        assertThat(threads.get(1)).endsWith("-2");
    }

    private void offer(int n) {
        try {
            assertThat(sendNow.offer(n, 10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private void take() {
        try {
            assertThat(sent.poll(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
