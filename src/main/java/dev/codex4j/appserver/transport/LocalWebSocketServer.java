package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code codex app-server} this JVM runs on a WebSocket port of the loopback interface, for tests and
 * sidecar-style deployments: {@code codex app-server --listen ws://127.0.0.1:0 --ws-auth capability-token
 * --ws-token-file FILE}, with a fresh random token in an owner-only temporary file. {@link Builder#start()}
 * returns once the server printed its port and {@code GET /readyz} answered 200.
 *
 * <p>Two ways to use it. As a sidecar that outlives its clients: {@code start()} it, connect any number of clients
 * with {@code AppServerClient.builder().webSocket(server.uri()).bearerToken(server.bearerToken())}, and
 * {@link #close()} it at the end. Or owned by one client, like the stdio child:
 * {@code AppServerClient.builder().transport(serverBuilder::ownedTransport)} starts a server per connection
 * (and per restart) and ends it with the connection, reporting its exit code and stderr.
 *
 * <p>Ending it is the stdio child's process-tree shutdown ({@link ChildProcess}): SIGTERM to the tree, then
 * SIGKILL. (codex in {@code --listen} mode does not leave when its stdin closes; SIGTERM ends it at once.)
 */
public final class LocalWebSocketServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalWebSocketServer.class);
    private static final Pattern LISTENING = Pattern.compile("listening on: (ws://\\S+)");
    /** How long to wait for an exit code after the connection to an owned server was lost. */
    private static final Duration EXIT_AFTER_LOSS = Duration.ofMillis(300);
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ChildProcess child;
    private final URI uri;
    private final String token;
    private final Path tokenDirectory;
    private final Duration terminateTimeout;
    private final AtomicBoolean closed = new AtomicBoolean();

    private LocalWebSocketServer(ChildProcess child, URI uri, String token, Path tokenDirectory,
            Duration terminateTimeout) {
        this.child = child;
        this.uri = uri;
        this.token = token;
        this.tokenDirectory = tokenDirectory;
        this.terminateTimeout = terminateTimeout;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Where it listens: {@code ws://127.0.0.1:PORT}. */
    public URI uri() {
        return uri;
    }

    /**
     * The capability token clients must send. A secret: hand it to clients, never log it (the library's
     * redactors mask it in what this server writes to stderr).
     */
    public String bearerToken() {
        return token;
    }

    /** Options for a client of this server: its URI and token; add your own settings before {@code build()}. */
    public WebSocketOptions.Builder clientOptions() {
        return WebSocketOptions.builder(uri).bearerToken(token);
    }

    public long pid() {
        return child.pid();
    }

    public boolean isAlive() {
        return child.process().isAlive();
    }

    /** The last lines it wrote to stderr, secrets redacted; oldest first. */
    public List<String> diagnosticTail() {
        return child.tail();
    }

    /** Ends the process tree (SIGTERM, then SIGKILL) and deletes the token file; idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            child.waitFor(terminateTimeout.plus(terminateTimeout));
            return;
        }
        child.ending();
        ChildProcess.closeQuietly(child.process().getOutputStream());
        child.terminate(terminateTimeout);
        deleteTokenFiles();
        log.debug("app-server pid {} at {} ended", child.pid(), uri);
    }

    /**
     * For an owned server whose connection ended: its exit code and stderr in the report. A server that lives on
     * after its connection was lost can no longer be reached by its owner, so it is ended.
     */
    TransportClosed connectionEnded(TransportClosed closed) {
        if (closed.requestedByClient()) {
            return closed;
        }
        boolean exited = child.waitFor(EXIT_AFTER_LOSS);
        String reason = closed.reason();
        if (!exited) {
            close();
            reason += "; the app-server still ran and was ended";
        }
        child.settleStderr(EXIT_AFTER_LOSS);
        return new TransportClosed(reason, exited ? child.exitCodeIfExited() : null, child.tail(), false,
                closed.cause());
    }

    private void deleteTokenFiles() {
        try {
            Files.deleteIfExists(tokenDirectory.resolve("token"));
            Files.deleteIfExists(tokenDirectory);
        } catch (IOException e) {
            log.warn("could not delete the token file in {}: {}", tokenDirectory, e.toString());
        }
    }

    /** Configures and starts a {@link LocalWebSocketServer}. */
    public static final class Builder {

        private Path executable;
        private List<String> arguments = List.of();
        private Map<String, String> environment = Map.of();
        private boolean inheritEnvironment = true;
        private Path workingDirectory;
        private Duration startTimeout = Duration.ofSeconds(20);
        private Duration terminateTimeout = Duration.ofSeconds(2);
        private Consumer<WebSocketOptions.Builder> clientOptions = b -> { };

        private Builder() {}

        /** The codex executable (the native binary rather than the npm launcher). Required. */
        public Builder executable(Path executable) {
            this.executable = Objects.requireNonNull(executable, "executable");
            return this;
        }

        /** Extra arguments after {@code app-server --listen ... --ws-token-file FILE}, e.g. {@code -c} settings. */
        public Builder arguments(List<String> arguments) {
            this.arguments = List.copyOf(Objects.requireNonNull(arguments, "arguments"));
            return this;
        }

        /** Variables added to (or, with {@code inheritEnvironment(false)}, replacing) this JVM's environment. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(Objects.requireNonNull(environment, "environment"));
            return this;
        }

        public Builder inheritEnvironment(boolean inherit) {
            this.inheritEnvironment = inherit;
            return this;
        }

        public Builder workingDirectory(Path directory) {
            this.workingDirectory = Objects.requireNonNull(directory, "workingDirectory");
            return this;
        }

        /** How long {@link #start()} waits for the port and {@code /readyz}. Default: 20 s. */
        public Builder startTimeout(Duration timeout) {
            this.startTimeout = Objects.requireNonNull(timeout, "startTimeout");
            return this;
        }

        /** How long ending it waits after SIGTERM before SIGKILL. Default: 2 s. */
        public Builder terminateTimeout(Duration timeout) {
            this.terminateTimeout = Objects.requireNonNull(timeout, "terminateTimeout");
            return this;
        }

        /** Settings for {@link #ownedTransport()}'s connection beyond URI and token (ping interval, limits). */
        public Builder clientOptions(Consumer<WebSocketOptions.Builder> options) {
            this.clientOptions = Objects.requireNonNull(options, "clientOptions");
            return this;
        }

        /**
         * Spawns the server and waits until it is ready.
         *
         * @throws IOException if it cannot be spawned, exits early, or is not ready within the start timeout
         *     (it is ended then), with its last stderr lines
         */
        public LocalWebSocketServer start() throws IOException {
            Objects.requireNonNull(executable, "executable is required");
            String token = newToken();
            Path directory = Files.createTempDirectory("codex4j-ws-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path tokenFile = directory.resolve("token");
            Files.writeString(tokenFile, token, StandardCharsets.US_ASCII);
            List<String> command = new ArrayList<>(List.of(executable.toString(), "app-server",
                    "--listen", "ws://127.0.0.1:0", "--ws-auth", "capability-token",
                    "--ws-token-file", tokenFile.toString()));
            command.addAll(arguments);
            Map<String, String> seen = new java.util.HashMap<>(inheritEnvironment ? System.getenv() : Map.of());
            seen.putAll(environment);
            SecretRedactor redactor = SecretRedactor.forEnvironment(seen, List.of(token));
            CompletableFuture<URI> listening = new CompletableFuture<>();
            ChildProcess child;
            try {
                child = ChildProcess.start(command, environment, inheritEnvironment, workingDirectory, redactor,
                        50, 2000, line -> {
                            Matcher m = LISTENING.matcher(line);
                            if (m.find()) {
                                listening.complete(URI.create(m.group(1)));
                            }
                        });
            } catch (IOException e) {
                Files.deleteIfExists(tokenFile);
                Files.deleteIfExists(directory);
                throw e;
            }
            LocalWebSocketServer server = null;
            try {
                child.process().onExit().thenRun(() -> listening.completeExceptionally(new IOException(
                        "codex app-server exited with code " + child.exitCodeIfExited() + " before it listened")));
                long deadline = System.nanoTime() + startTimeout.toNanos();
                URI uri = awaitListening(listening, child);
                server = new LocalWebSocketServer(child, uri, token, directory, terminateTimeout);
                awaitReady(uri, deadline);
                log.debug("app-server pid {} listening at {}", child.pid(), uri);
                return server;
            } catch (IOException | RuntimeException e) {
                if (server != null) {
                    server.close();
                } else {
                    new LocalWebSocketServer(child, null, token, directory, terminateTimeout).close();
                }
                throw new IOException(e.getMessage() + tailOf(child), e);
            }
        }

        /**
         * A transport that starts a server of this configuration when it is started, connects to it, and ends
         * it with the connection (its exit code and stderr go into the report). Each call gives a new transport:
         * pass {@code builder::ownedTransport} to {@code AppServerClientBuilder.transport}.
         */
        public Transport ownedTransport() {
            return new OwnedTransport(this);
        }

        private URI awaitListening(CompletableFuture<URI> listening, ChildProcess child) throws IOException {
            try {
                return listening.get(startTimeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                throw new IOException("codex app-server printed no 'listening on' line within " + startTimeout);
            } catch (ExecutionException e) {
                child.settleStderr(EXIT_AFTER_LOSS);
                throw new IOException(e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for codex app-server to listen", e);
            }
        }

        private static String tailOf(ChildProcess child) {
            List<String> tail = child.tail();
            return tail.isEmpty() ? "" : "; last stderr lines:\n  " + String.join("\n  ", tail.subList(
                    Math.max(0, tail.size() - 10), tail.size()));
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /**
     * Asks {@code /readyz} until it answers 200. codex prints its port once it listens, so the first answer is
     * normally the one; the pause between asks only matters for a server that listens before it is ready.
     */
    private static void awaitReady(URI uri, long deadline) throws IOException {
        IOException last = null;
        do {
            try {
                int status = readyzStatus(uri, deadline);
                if (status == 200) {
                    return;
                }
                last = new IOException("GET /readyz answered " + status);
            } catch (IOException e) {
                last = e;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for " + uri + "/readyz", e);
            }
        } while (System.nanoTime() - deadline < 0);
        throw new IOException("codex app-server at " + uri + " was not ready in time: " + last.getMessage(), last);
    }

    /** One {@code GET /readyz} over a plain socket (no HttpClient, no thread of its own). */
    private static int readyzStatus(URI uri, long deadline) throws IOException {
        int millis = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), millis);
            socket.setSoTimeout(millis);
            socket.getOutputStream().write(("GET /readyz HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            StringBuilder statusLine = new StringBuilder();
            int c;
            while ((c = in.read()) != -1 && c != '\n' && statusLine.length() < 200) {
                statusLine.append((char) c);
            }
            String[] parts = statusLine.toString().trim().split(" ");
            if (parts.length < 2 || !parts[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer from " + uri + "/readyz: " + statusLine);
            }
            return Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("not an HTTP status from " + uri + "/readyz", e);
        }
    }

    /** A transport that starts its own server on {@link #start} and ends it with itself. */
    private static final class OwnedTransport implements Transport, ReplaceableReader {

        private final Builder spec;
        private volatile WebSocketTransport delegate;
        private volatile boolean closed;

        OwnedTransport(Builder spec) {
            this.spec = spec;
        }

        @Override
        public void start(TransportListener listener) throws IOException {
            LocalWebSocketServer server = spec.start();
            WebSocketOptions.Builder options = server.clientOptions();
            spec.clientOptions.accept(options);
            WebSocketTransport transport = new WebSocketTransport(options.bearerToken(server.bearerToken())
                    .redactor(SecretRedactor.forEnvironment(Map.of(), List.of(server.bearerToken()))).build(), server);
            delegate = transport;
            try {
                transport.start(listener);
            } catch (IOException | RuntimeException e) {
                server.close();
                throw e;
            }
        }

        @Override
        public void send(byte[] message) throws IOException {
            WebSocketTransport t = delegate;
            if (t == null) {
                throw new IOException("transport not started");
            }
            t.send(message);
        }

        @Override
        public List<String> diagnosticTail() {
            WebSocketTransport t = delegate;
            return t == null ? List.of() : t.diagnosticTail();
        }

        @Override
        public void close(Duration grace) {
            closed = true;
            WebSocketTransport t = delegate;
            if (t != null) {
                t.close(grace);
            }
        }

        @Override
        public void close() {
            close(Duration.ofSeconds(2));
        }

        @Override
        public boolean replaceReader() {
            WebSocketTransport t = delegate;
            return t != null && !closed && t.replaceReader();
        }
    }
}
