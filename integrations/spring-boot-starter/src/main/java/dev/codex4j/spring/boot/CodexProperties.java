package dev.codex4j.spring.boot;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code codex.*} properties: how to reach codex (a spawned {@code codex app-server}, or running app-servers
 * over WebSocket), and the client's or pool's settings. One client unless {@code codex.pool.size} is above 1 or
 * several {@code codex.endpoints} are given; then a pool.
 */
@ConfigurationProperties(prefix = "codex")
public class CodexProperties {

    /** Whether to auto-configure a codex client or pool. */
    private boolean enabled = true;

    /**
     * The codex executable to spawn as {@code codex app-server} (the native binary, not the npm launcher). Default:
     * {@code $CODEX_EXECUTABLE}, else {@code codex} on the {@code PATH}.
     */
    private Path executable;

    /**
     * Running app-servers to connect to over WebSocket ({@code ws://host:port} or {@code wss://...}) instead of
     * spawning one; several make a pool with one member each.
     */
    private List<URI> endpoints = new ArrayList<>();

    /** Bearer token for the WebSocket endpoints; never logged. */
    private String token;

    /** {@code CODEX_HOME} of the spawned app-servers: codex's login, config, rules and thread storage. */
    private Path home;

    /** The spawned app-servers' working directory. Default: the application's. */
    private Path workingDirectory;

    /**
     * Config overrides passed as {@code -c key=value} to spawned app-servers; values are TOML, so quote strings
     * (e.g. {@code codex.config.model="gpt-5.2"}).
     */
    private Map<String, String> config = new LinkedHashMap<>();

    /** How long a request waits for its response. */
    private Duration requestTimeout = Duration.ofSeconds(60);

    /** How long the application's start waits for the app-server(s) to start and complete the handshake. */
    private Duration startupTimeout = Duration.ofSeconds(60);

    /**
     * Whether the application fails to start when no app-server could be started. When not, with restarts on
     * (codex.restart.max-restarts) the app-servers that did not start are tried again under that policy.
     */
    private boolean failFast = true;

    private final Restart restart = new Restart();

    private final Pool pool = new Pool();

    private final Observations observations = new Observations();

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public Path getExecutable() {
        return executable;
    }

    public void setExecutable(Path executable) {
        this.executable = executable;
    }

    public List<URI> getEndpoints() {
        return endpoints;
    }

    public void setEndpoints(List<URI> endpoints) {
        this.endpoints = endpoints;
    }

    public String getToken() {
        return token;
    }

    public void setToken(String token) {
        this.token = token;
    }

    public Path getHome() {
        return home;
    }

    public void setHome(Path home) {
        this.home = home;
    }

    public Path getWorkingDirectory() {
        return workingDirectory;
    }

    public void setWorkingDirectory(Path workingDirectory) {
        this.workingDirectory = workingDirectory;
    }

    public Map<String, String> getConfig() {
        return config;
    }

    public void setConfig(Map<String, String> config) {
        this.config = config;
    }

    public Duration getRequestTimeout() {
        return requestTimeout;
    }

    public void setRequestTimeout(Duration requestTimeout) {
        this.requestTimeout = positive(requestTimeout, "codex.request-timeout");
    }

    public Duration getStartupTimeout() {
        return startupTimeout;
    }

    public void setStartupTimeout(Duration startupTimeout) {
        this.startupTimeout = positive(startupTimeout, "codex.startup-timeout");
    }

    public boolean isFailFast() {
        return failFast;
    }

    public void setFailFast(boolean failFast) {
        this.failFast = failFast;
    }

    public Restart getRestart() {
        return restart;
    }

    public Pool getPool() {
        return pool;
    }

    public Observations getObservations() {
        return observations;
    }

    /** Whether a pool is configured: more than one member, spawned or remote. */
    public boolean isPooled() {
        return pool.size > 1 || endpoints.size() > 1;
    }

    /**
     * The token is masked and endpoints are shown without credentials: properties get logged (failure analyzers,
     * debug output).
     */
    @Override
    public String toString() {
        return "CodexProperties[executable=" + executable + ", endpoints=" + endpoints.stream()
                .map(CodexProperties::whereOnly).toList() + ", token="
                + (token == null ? "null" : "****") + ", home=" + home + ", workingDirectory=" + workingDirectory
                + ", config=" + config.keySet() + ", requestTimeout=" + requestTimeout + ", restart=" + restart
                + ", pool=" + pool + "]";
    }

    /** An endpoint without its user info, query and fragment, which may carry credentials. */
    private static String whereOnly(URI endpoint) {
        return endpoint.getScheme() + "://" + endpoint.getHost()
                + (endpoint.getPort() < 0 ? "" : ":" + endpoint.getPort())
                + (endpoint.getRawPath() == null ? "" : endpoint.getRawPath());
    }

    // Checked as they bind, so that a value that cannot work fails the start naming its property.

    private static int atLeast(int value, int min, String property) {
        if (value < min) {
            throw new IllegalArgumentException(property + " must be at least " + min + ": " + value);
        }
        return value;
    }

    private static Duration positive(Duration value, String property) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(property + " must be positive: " + value);
        }
        return value;
    }

    private static Duration notNegative(Duration value, String property) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(property + " must be zero or positive: " + value);
        }
        return value;
    }

    /** Restarting a spawned app-server (or reconnecting) after its connection is lost. */
    public static class Restart {

        /** How many restarts in a row are tried after a crash; 0 turns restarting off. */
        private int maxRestarts = 0;

        /** The wait before the first restart; doubles per failed attempt. */
        private Duration initialBackoff = Duration.ofMillis(500);

        /** The longest wait between restart attempts. */
        private Duration maxBackoff = Duration.ofSeconds(30);

        public int getMaxRestarts() {
            return maxRestarts;
        }

        public void setMaxRestarts(int maxRestarts) {
            this.maxRestarts = atLeast(maxRestarts, 0, "codex.restart.max-restarts");
        }

        public Duration getInitialBackoff() {
            return initialBackoff;
        }

        public void setInitialBackoff(Duration initialBackoff) {
            this.initialBackoff = notNegative(initialBackoff, "codex.restart.initial-backoff");
        }

        public Duration getMaxBackoff() {
            return maxBackoff;
        }

        public void setMaxBackoff(Duration maxBackoff) {
            this.maxBackoff = notNegative(maxBackoff, "codex.restart.max-backoff");
        }

        @Override
        public String toString() {
            return "Restart[maxRestarts=" + maxRestarts + ", initialBackoff=" + initialBackoff + ", maxBackoff="
                    + maxBackoff + "]";
        }
    }

    /** A pool of app-servers behind one thread API. */
    public static class Pool {

        /** How many app-servers to spawn; above 1 makes a pool (with endpoints, each endpoint is one member). */
        private int size = 1;

        /** Turns that may run on one member at once. */
        private int maxTurnsPerMember = 16;

        /** Turns that may wait for a slot on one member; 0: a full member refuses at once. */
        private int maxQueuedTurnsPerMember = 64;

        /** How long a turn waits for a slot before it fails. */
        private Duration queueTimeout = Duration.ofSeconds(60);

        public int getSize() {
            return size;
        }

        public void setSize(int size) {
            this.size = atLeast(size, 1, "codex.pool.size");
        }

        public int getMaxTurnsPerMember() {
            return maxTurnsPerMember;
        }

        public void setMaxTurnsPerMember(int maxTurnsPerMember) {
            this.maxTurnsPerMember = atLeast(maxTurnsPerMember, 1, "codex.pool.max-turns-per-member");
        }

        public int getMaxQueuedTurnsPerMember() {
            return maxQueuedTurnsPerMember;
        }

        public void setMaxQueuedTurnsPerMember(int maxQueuedTurnsPerMember) {
            this.maxQueuedTurnsPerMember = atLeast(maxQueuedTurnsPerMember, 0,
                    "codex.pool.max-queued-turns-per-member");
        }

        public Duration getQueueTimeout() {
            return queueTimeout;
        }

        public void setQueueTimeout(Duration queueTimeout) {
            this.queueTimeout = positive(queueTimeout, "codex.pool.queue-timeout");
        }

        @Override
        public String toString() {
            return "Pool[size=" + size + ", maxTurnsPerMember=" + maxTurnsPerMember + ", maxQueuedTurnsPerMember="
                    + maxQueuedTurnsPerMember + ", queueTimeout=" + queueTimeout + "]";
        }
    }

    /** Metrics and traces through Micrometer, when the application has an {@code ObservationRegistry}. */
    public static class Observations {

        /** Whether the client reports to the application's ObservationRegistry (and MeterRegistry). */
        private boolean enabled = true;

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }
    }
}
