package dev.codex4j.appserver.transport;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.testing.TestThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class StreamWriterTest {

    /** Records each write; the first write can be made to block until released, or every write to fail. */
    private static class RecordingStream extends OutputStream {
        final List<String> writes = new CopyOnWriteArrayList<>();
        final CountDownLatch firstWriteStarted = new CountDownLatch(1);
        final CountDownLatch releaseFirstWrite = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        volatile boolean blockFirstWrite;
        volatile IOException failWith;

        @Override
        public void write(int b) {
            throw new AssertionError("writes whole chunks only");
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (failWith != null) {
                throw failWith;
            }
            if (blockFirstWrite && firstWriteStarted.getCount() > 0) {
                firstWriteStarted.countDown();
                await(releaseFirstWrite);
            }
            writes.add(new String(b, off, len, UTF_8));
        }

        @Override
        public void close() {
            closed.countDown();
        }

        String all() {
            return String.join("", writes);
        }
    }

    private final RecordingStream out = new RecordingStream();
    private final List<IOException> failures = new CopyOnWriteArrayList<>();
    private final StreamWriter writer = new StreamWriter(out, failures::add);

    private static byte[] bytes(String s) {
        return s.getBytes(UTF_8);
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void aMessageIsWrittenAtOnceWhenNothingElseIsGoingOn() throws Exception {
        writer.send(bytes("{\"id\":1}"), false);
        writer.send(bytes("{\"id\":2}"), true);
        assertThat(out.writes).containsExactly("{\"id\":1}\n", "{\"id\":2}\n");
    }

    @Test
    void whatIsSentWhileTheReaderHandlesAReadLeavesInOneWriteWhenItIsDone() throws Exception {
        writer.handling();
        writer.send(bytes("a"), false);
        writer.send(bytes("b"), true);
        writer.send(bytes("c"), false);
        assertThat(out.writes).as("left for the reader").isEmpty();

        assertThat(writer.readHandled()).as("the reader must write").isTrue();
        assertThat(writer.drain()).isNull();
        assertThat(out.writes).containsExactly("a\nb\nc\n");

        assertThat(writer.readHandled()).as("nothing left").isFalse();
        writer.send(bytes("d"), false);
        assertThat(out.writes).as("no read being handled: written at once").containsExactly("a\nb\nc\n", "d\n");
    }

    @Test
    void aSenderThatWouldLeaveTheReaderMoreThanTheLimitWritesItself() throws Exception {
        String big = "x".repeat(StreamWriter.MAX_HELD_BYTES / 2);
        writer.handling();
        writer.send(bytes(big), false);
        assertThat(out.writes).isEmpty();
        writer.send(bytes(big), false);
        assertThat(out.writes).containsExactly(big + "\n" + big + "\n");
        assertThat(writer.readHandled()).isFalse();
    }

    @Test
    void whileAWriteIsBlockedOthersDoNotWaitAndTheWriterTakesTheirMessagesAlong() throws Exception {
        out.blockFirstWrite = true;
        CompletableFuture<Void> first = TestThreads.start("first-sender", () -> writer.send(bytes("a"), false));
        await(out.firstWriteStarted);
        writer.send(bytes("b"), false); // returns at once: the test would time out otherwise
        writer.send(bytes("c"), true);
        assertThat(writer.readHandled()).as("someone is writing").isFalse();
        assertThat(out.writes).isEmpty();

        out.releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        assertThat(out.writes).containsExactly("a\n", "b\nc\n");
    }

    @Test
    void onceMuchWaitsBehindABlockedWriteOtherSendersWaitForRoomButTheReaderDoesNot() throws Exception {
        out.blockFirstWrite = true;
        CompletableFuture<Void> first = TestThreads.start("first-sender", () -> writer.send(bytes("a"), false));
        await(out.firstWriteStarted);
        String big = "y".repeat(StreamWriter.MAX_PENDING_BYTES);
        writer.send(bytes(big), false); // room enough before it
        writer.send(bytes("from-reader"), true); // the reader never waits

        AtomicInteger state = new AtomicInteger();
        Thread[] waiter = new Thread[1];
        CompletableFuture<Void> blocked = TestThreads.start("waiting-sender", () -> {
            waiter[0] = Thread.currentThread();
            state.set(1);
            writer.send(bytes("z"), false);
        });
        while (state.get() == 0 || waiter[0].getState() != Thread.State.WAITING) { // parks for room
            assertThat(blocked).as("must wait for room").isNotDone();
            Thread.onSpinWait();
        }
        assertThat(blocked).isNotDone();

        out.releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        blocked.get(10, TimeUnit.SECONDS);
        assertThat(out.all()).isEqualTo("a\n" + big + "\nfrom-reader\nz\n");
    }

    @Test
    void aFailedWriteFailsItsSenderIsReportedOnceAndFailsLaterSends() {
        IOException broken = new IOException("Broken pipe");
        out.failWith = broken;
        assertThatThrownBy(() -> writer.send(bytes("a"), false)).isSameAs(broken);
        assertThatThrownBy(() -> writer.send(bytes("b"), false))
                .isInstanceOf(IOException.class).hasMessage("transport closed");
        assertThat(failures).containsExactly(broken);
    }

    @Test
    void aFailedWriteOfTheReadersIsReportedToTheListener() throws Exception {
        writer.handling();
        writer.send(bytes("a"), true);
        IOException broken = new IOException("Broken pipe");
        out.failWith = broken;
        assertThat(writer.readHandled()).isTrue();
        assertThat(writer.drain()).isSameAs(broken);
        assertThat(failures).containsExactly(broken);
        assertThat(writer.readHandled()).isFalse();
    }

    @Test
    void closeWithNothingWaitingClosesAtOnce() throws Exception {
        writer.send(bytes("a"), false);
        assertThat(writer.close()).as("nothing to write").isFalse();
        assertThat(out.closed.getCount()).isZero();
        assertThatThrownBy(() -> writer.send(bytes("late"), false)).hasMessage("transport closed");
    }

    @Test
    void closeLeavesWhatIsWaitingToADrainOnAThreadThatMayBlockWhichThenCloses() throws Exception {
        writer.handling();
        writer.send(bytes("last"), false);
        assertThat(writer.close()).as("the caller must drain, elsewhere").isTrue();
        assertThat(out.writes).as("close itself never writes").isEmpty();
        assertThatThrownBy(() -> writer.send(bytes("late"), false)).hasMessage("transport closed");
        assertThat(writer.readHandled()).as("the drain is the caller's").isFalse();

        assertThat(writer.drain()).isNull();
        assertThat(out.writes).containsExactly("last\n");
        assertThat(out.closed.getCount()).isZero();
    }

    @Test
    void aWriteThatFailsAfterCloseStillClosesTheStream() throws Exception {
        out.blockFirstWrite = true;
        CompletableFuture<Void> first = TestThreads.start("first-sender", () -> writer.send(bytes("a"), false));
        await(out.firstWriteStarted);
        writer.send(bytes("b"), false); // waits behind the blocked write
        assertThat(writer.close()).isFalse();
        out.failWith = new IOException("Broken pipe"); // the writer's next write, of "b", fails
        out.releaseFirstWrite.countDown();
        assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).as("the writing thread hears of it")
                .hasRootCauseMessage("Broken pipe");
        await(out.closed);
        assertThat(failures).hasSize(1);
    }

    @Test
    void aStreamThatThrowsSomethingElseFailsTheSameWayAndLeavesNoWriterBehind() {
        IllegalStateException odd = new IllegalStateException("stream closed under us");
        RecordingStream throwing = new RecordingStream() {
            @Override
            public void write(byte[] b, int off, int len) {
                throw odd;
            }
        };
        StreamWriter w = new StreamWriter(throwing, failures::add);
        assertThatThrownBy(() -> w.send(bytes("a"), false)).isInstanceOf(IOException.class).hasCause(odd);
        assertThatThrownBy(() -> w.send(bytes("b"), false)).hasMessage("transport closed");
        assertThat(failures).hasSize(1);
        assertThat(w.close()).as("nobody is writing").isFalse();
        assertThat(throwing.closed.getCount()).isZero();
    }

    @Test
    void manySendersAndAReaderHandlingReadsLoseNothingAndKeepEachSendersOrder() throws Exception {
        int senders = 6;
        int each = 3_000;
        List<CompletableFuture<Void>> all = new java.util.ArrayList<>();
        for (int t = 0; t < senders; t++) {
            int sender = t;
            all.add(TestThreads.start("sender-" + t, () -> {
                for (int i = 0; i < each; i++) {
                    writer.send(bytes(sender + ":" + i + ":" + "p".repeat(i % 97)), false);
                }
            }));
        }
        CompletableFuture<Void> reads = TestThreads.start("reader", () -> {
            while (!all.stream().allMatch(CompletableFuture::isDone)) {
                writer.handling();
                Thread.onSpinWait();
                if (writer.readHandled()) {
                    writer.drain();
                }
            }
        });
        for (CompletableFuture<Void> f : all) {
            f.get(20, TimeUnit.SECONDS);
        }
        reads.get(20, TimeUnit.SECONDS);

        String written = out.all();
        assertThat(written).endsWith("\n");
        int[] next = new int[senders];
        for (String line : written.substring(0, written.length() - 1).split("\n", -1)) {
            String[] parts = line.split(":", -1);
            int sender = Integer.parseInt(parts[0]);
            int i = Integer.parseInt(parts[1]);
            assertThat(i).as("sender %d's order", sender).isEqualTo(next[sender]);
            assertThat(parts[2]).as("a whole message").isEqualTo("p".repeat(i % 97));
            next[sender]++;
        }
        assertThat(next).containsOnly(each);
    }

    @Test
    void closeDuringABlockedWriteReturnsAndTheWriterClosesOnceDone() throws Exception {
        out.blockFirstWrite = true;
        CompletableFuture<Void> first = TestThreads.start("first-sender", () -> writer.send(bytes("a"), false));
        await(out.firstWriteStarted);
        writer.send(bytes("b"), false);
        writer.close(); // does not wait for the blocked write
        assertThat(out.closed.getCount()).as("not while a write is under way").isOne();

        out.releaseFirstWrite.countDown();
        first.get(10, TimeUnit.SECONDS);
        await(out.closed);
        assertThat(out.writes).containsExactly("a\n", "b\n");
    }
}
