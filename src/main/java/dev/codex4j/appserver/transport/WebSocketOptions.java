package dev.codex4j.appserver.transport;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Where and how a {@link WebSocketTransport} connects. Immutable; built with {@link #builder(URI)}, every
 * setter checking its argument at once. {@link #toString()} names the endpoint and never the token.
 */
public final class WebSocketOptions {

    /** Headers the WebSocket handshake sets itself, and {@code Authorization}, set by {@code bearerToken}. */
    private static final Set<String> RESERVED_HEADERS = Set.of("authorization", "connection", "upgrade", "host",
            "content-length", "expect", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
            "sec-websocket-accept", "sec-websocket-protocol");

    private final URI uri;
    private final String endpoint;
    private final Supplier<String> bearerToken;
    /** The token when it was given as a String (so that redactors can mask it), else {@code null}. */
    private final String fixedBearerToken;
    private final Map<String, String> headers;
    private final Duration connectTimeout;
    private final Duration pingInterval;
    private final int maxMessageBytes;
    private final SSLContext sslContext;
    private final Duration closeTimeout;
    private final SecretRedactor redactor;

    private WebSocketOptions(Builder b) {
        this.uri = b.uri;
        this.endpoint = endpointOf(b.uri);
        this.bearerToken = b.bearerToken;
        this.fixedBearerToken = b.fixedBearerToken;
        this.headers = Map.copyOf(b.headers);
        this.connectTimeout = b.connectTimeout;
        this.pingInterval = isUnixSocket(b.uri) ? Duration.ZERO : b.pingInterval;
        this.maxMessageBytes = b.maxMessageBytes;
        this.sslContext = b.sslContext;
        this.closeTimeout = b.closeTimeout;
        this.redactor = b.redactor;
    }

    /**
     * Options for {@code uri}: {@code ws://host:port[/path]}, {@code wss://...} (codex ignores the path), or
     * {@code unix:///absolute/path} for {@code codex app-server --listen unix:///absolute/path} (WebSocket over a
     * Unix socket, whose file permissions stand in for a token).
     *
     * @throws IllegalArgumentException for another scheme, a TCP URI without a host, a relative socket path
     */
    public static Builder builder(URI uri) {
        return new Builder(uri);
    }

    public URI uri() {
        return uri;
    }

    /** The URI as it may appear in logs and messages: scheme, host, port and path, no user info or query. */
    public String endpoint() {
        return endpoint;
    }

    /** Called once per connection attempt; {@code null} when no {@code Authorization} header is sent. */
    public Supplier<String> bearerToken() {
        return bearerToken;
    }

    /**
     * The secrets these options carry literally (a bearer token given as a String), for a
     * {@link SecretRedactor}; empty when the token comes from a supplier.
     */
    public List<String> knownSecrets() {
        return fixedBearerToken == null ? List.of() : List.of(fixedBearerToken);
    }

    /** These options with {@code redactor} instead. */
    public WebSocketOptions withRedactor(SecretRedactor redactor) {
        Builder b = new Builder(uri);
        b.bearerToken = bearerToken;
        b.fixedBearerToken = fixedBearerToken;
        b.headers.putAll(headers);
        b.connectTimeout = connectTimeout;
        b.pingInterval = pingInterval;
        b.maxMessageBytes = maxMessageBytes;
        b.sslContext = sslContext;
        b.closeTimeout = closeTimeout;
        return b.redactor(redactor).build();
    }

    public Map<String, String> headers() {
        return headers;
    }

    public Duration connectTimeout() {
        return connectTimeout;
    }

    /** Whether the URI names a Unix socket ({@code unix:///path}) rather than a TCP endpoint. */
    public boolean isUnixSocket() {
        return isUnixSocket(uri);
    }

    static boolean isUnixSocket(URI uri) {
        return "unix".equalsIgnoreCase(uri.getScheme());
    }

    /**
     * How long the connection may be silent before a ping is sent; {@link Duration#ZERO} when pings are off (and
     * over a Unix socket, whatever was set: see {@link Builder#pingInterval}).
     */
    public Duration pingInterval() {
        return pingInterval;
    }

    public int maxMessageBytes() {
        return maxMessageBytes;
    }

    /** {@code null}: the JDK's default (its trust store). */
    public SSLContext sslContext() {
        return sslContext;
    }

    public Duration closeTimeout() {
        return closeTimeout;
    }

    public SecretRedactor redactor() {
        return redactor;
    }

    @Override
    public String toString() {
        return "WebSocketOptions[" + endpoint + (bearerToken != null ? ", bearer token set" : "")
                + (headers.isEmpty() ? "" : ", headers " + headers.keySet()) + ", connectTimeout " + connectTimeout
                + ", pingInterval " + pingInterval + "]";
    }

    static String endpointOf(URI uri) {
        if (isUnixSocket(uri)) {
            return "unix://" + uri.getRawPath();
        }
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        return uri.getScheme().toLowerCase(Locale.ROOT) + "://" + uri.getHost()
                + (uri.getPort() >= 0 ? ":" + uri.getPort() : "") + path;
    }

    /** Builds {@link WebSocketOptions}. */
    public static final class Builder {

        private final URI uri;
        private Supplier<String> bearerToken;
        private String fixedBearerToken;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private Duration connectTimeout = Duration.ofSeconds(10);
        private Duration pingInterval = Duration.ofSeconds(30);
        private int maxMessageBytes = StdioOptions.DEFAULT_MAX_LINE_BYTES;
        private SSLContext sslContext;
        private Duration closeTimeout = Duration.ofSeconds(2);
        private SecretRedactor redactor = SecretRedactor.tokenShapesOnly();

        private Builder(URI uri) {
            Objects.requireNonNull(uri, "uri");
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (scheme.equals("unix")) {
                if (uri.getRawAuthority() != null || uri.getPath() == null || !uri.getPath().startsWith("/")
                        || uri.getRawQuery() != null || uri.getRawFragment() != null) {
                    throw new IllegalArgumentException("a Unix-socket URI is unix:// and an absolute path, as in"
                            + " unix:///run/codex.sock, not " + uri);
                }
                this.uri = uri;
                return;
            }
            if (!scheme.equals("ws") && !scheme.equals("wss")) {
                throw new IllegalArgumentException("a WebSocket URI starts with ws://, wss:// or unix://, not "
                        + scheme + "://");
            }
            if (uri.getHost() == null) {
                throw new IllegalArgumentException("the WebSocket URI has no host: " + endpointOf(uri));
            }
            if (uri.getRawFragment() != null) {
                throw new IllegalArgumentException("a WebSocket URI has no fragment: " + endpointOf(uri));
            }
            this.uri = uri;
        }

        /** A fixed token, sent as {@code Authorization: Bearer <token>} (codex's capability token or a JWT). */
        public Builder bearerToken(String token) {
            requireToken(token);
            this.bearerToken = () -> token;
            this.fixedBearerToken = token;
            return this;
        }

        /**
         * A token obtained anew for each connection attempt (a short-lived JWT, say). The supplier runs on the
         * thread that opens the connection; what it returns must be a non-blank header value.
         */
        public Builder bearerToken(Supplier<String> token) {
            this.bearerToken = Objects.requireNonNull(token, "bearerToken");
            this.fixedBearerToken = null;
            return this;
        }

        /** An extra header of the upgrade request; not one the WebSocket handshake sets itself, nor Authorization. */
        public Builder header(String name, String value) {
            Objects.requireNonNull(name, "header name");
            Objects.requireNonNull(value, "header value of " + name);
            if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header " + name + " is set by the WebSocket handshake"
                        + (name.equalsIgnoreCase("authorization") ? " (use bearerToken)" : ""));
            }
            if (!name.chars().allMatch(c -> c > 32 && c < 127 && c != ':') || name.isEmpty()) {
                throw new IllegalArgumentException("not a header name: " + name);
            }
            if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("header " + name + " must not contain a line break");
            }
            if (!value.chars().allMatch(c -> c == '\t' || (c >= 32 && c != 127 && c <= 255))) {
                throw new IllegalArgumentException("header " + name
                        + " must not contain control characters or characters beyond ISO-8859-1");
            }
            headers.put(name, value);
            return this;
        }

        /** {@link #header} for each entry. */
        public Builder headers(Map<String, String> headers) {
            Objects.requireNonNull(headers, "headers").forEach(this::header);
            return this;
        }

        /**
         * How long opening the connection (TCP, TLS and the upgrade) may take. Default: 10 s. Looking the host name
         * up comes before and is not counted: the JDK's resolver has timeouts of its own ({@code networkaddress.*}
         * security properties, the system's resolver settings).
         */
        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = positive(timeout, "connectTimeout");
            return this;
        }

        /**
         * After this long without anything from the server a ping is sent; if another interval passes without
         * anything (a pong included), the connection is given up as lost. Default: 30 s (codex sends no pings of
         * its own, and idle connections through proxies and load balancers get cut). {@link Duration#ZERO}: off.
         * Over a Unix socket there are no pings (no proxy cuts it, and a dead server closes it): the setting is
         * ignored there.
         */
        public Builder pingInterval(Duration interval) {
            Objects.requireNonNull(interval, "pingInterval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("pingInterval must not be negative: " + interval);
            }
            this.pingInterval = interval;
            return this;
        }

        /** The longest message accepted from the server, in UTF-8 bytes; a longer one fails the connection. */
        public Builder maxMessageBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes must be positive: " + bytes);
            }
            this.maxMessageBytes = bytes;
            return this;
        }

        /** The TLS setup for {@code wss://} (a private CA, client certificates). Default: the JDK's trust store. */
        public Builder sslContext(SSLContext context) {
            this.sslContext = Objects.requireNonNull(context, "sslContext");
            return this;
        }

        /** How long {@code close()} waits for the server to answer its close frame before dropping the socket. */
        public Builder closeTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "closeTimeout");
            if (timeout.isNegative()) {
                throw new IllegalArgumentException("closeTimeout must not be negative: " + timeout);
            }
            this.closeTimeout = timeout;
            return this;
        }

        /** Masks secrets in what the server sends before it is logged or thrown. Default: token shapes only. */
        public Builder redactor(SecretRedactor redactor) {
            this.redactor = Objects.requireNonNull(redactor, "redactor");
            return this;
        }

        /**
         * @throws IllegalArgumentException if an {@link SSLContext} was given for a {@code ws://} URI (it would
         *     never be used: the connection would be plain text)
         */
        public WebSocketOptions build() {
            if (sslContext != null && !uri.getScheme().equalsIgnoreCase("wss")) {
                throw new IllegalArgumentException("an SSLContext applies to wss:// only, not " + endpointOf(uri));
            }
            return new WebSocketOptions(this);
        }

        static void requireToken(String token) {
            Objects.requireNonNull(token, "bearerToken");
            if (token.isBlank()) {
                throw new IllegalArgumentException("bearerToken must not be blank");
            }
            if (!token.chars().allMatch(c -> c >= 32 && c < 127)) {
                // (not naming the token: this message may end up in a log)
                throw new IllegalArgumentException("bearerToken must be printable ASCII without line breaks");
            }
        }

        private static Duration positive(Duration d, String name) {
            Objects.requireNonNull(d, name);
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(name + " must be positive: " + d);
            }
            return d;
        }
    }
}
