package dev.codex4j.appserver.testing;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The test's end of a {@link FakeAppServer} started with {@link #fakeArgs()} ({@code --relay}): the fake hands
 * every line the client writes to its stdin on to here, and writes to its stdout what the test sends from here.
 * So a test scripts a server behind real pipes and a real process as it scripts an {@link InMemoryTransport}.
 */
public final class FakeAppServerRelay implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long WAIT_SECONDS = 5;

    private final Path socket;
    private final ServerSocketChannel listener;
    private final CompletableFuture<RelayChannel> connection = new CompletableFuture<>();
    /** Lines from the fake; empty once it closed its end. */
    private final BlockingQueue<Optional<String>> received = new LinkedBlockingQueue<>();

    private FakeAppServerRelay(Path socket) throws IOException {
        this.socket = socket;
        this.listener = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        Thread reader = new Thread(this::acceptAndRead, "fake-relay-reader");
        reader.setDaemon(true);
        reader.start();
    }

    /** Listens on {@code relay.sock} in {@code directory} (keep it short: a socket path has at most 107 bytes). */
    public static FakeAppServerRelay listen(Path directory) throws IOException {
        return new FakeAppServerRelay(directory.resolve("relay.sock"));
    }

    /** The fake's startup flags that connect it to this relay. */
    public String[] fakeArgs() {
        return new String[] {"--relay", socket.toString()};
    }

    private void acceptAndRead() {
        try (RelayChannel channel = new RelayChannel(listener.accept())) {
            connection.complete(channel);
            byte[] line;
            while ((line = channel.readLine()) != null) {
                received.add(Optional.of(new String(line, UTF_8)));
            }
        } catch (IOException e) {
            connection.completeExceptionally(e); // closed before the fake connected, or the connection broke
        } finally {
            received.add(Optional.empty());
        }
    }

    /** The next line the client wrote to the fake's stdin, waiting up to 5 s. */
    public String nextLine() {
        Optional<String> line;
        try {
            line = received.poll(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (line == null) {
            throw new AssertionError("the client wrote nothing within " + WAIT_SECONDS + " s");
        }
        if (line.isEmpty()) {
            received.add(line); // the end stays the end for later calls
            throw new AssertionError("the fake app-server has gone: the relay is closed");
        }
        return line.get();
    }

    /** The fake writes {@code line} to its stdout, after everything sent before. */
    public void send(String line) {
        command(Map.of("stdout", line));
    }

    /** The fake writes {@code stderrLines} to its stderr, then exits with {@code code}. */
    public void exit(int code, List<String> stderrLines) {
        command(Map.of("exit", code, "stderr", stderrLines));
    }

    private void command(Map<String, Object> command) {
        try {
            connection.get(WAIT_SECONDS, TimeUnit.SECONDS).writeLine(JSON.writeValueAsBytes(command));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new AssertionError("the fake app-server did not connect within " + WAIT_SECONDS + " s", e);
        }
    }

    /** Stops listening and drops the connection; the fake's own stdin EOF is what ends it. */
    @Override
    public void close() {
        try {
            listener.close();
            if (connection.isDone() && !connection.isCompletedExceptionally()) {
                connection.join().close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
