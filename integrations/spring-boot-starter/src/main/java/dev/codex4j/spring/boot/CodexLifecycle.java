package dev.codex4j.spring.boot;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;

/**
 * Starts the auto-configured client or pool when the application context starts (spawn or connect, then the
 * handshake, waiting at most {@code codex.startup-timeout}) and closes it when the context stops, before the
 * beans that use it are destroyed. With {@code codex.fail-fast=false} a start that fails is logged and the
 * application starts anyway; with {@code codex.restart.max-restarts} above 0 the client (or each pool member) that
 * did not start keeps trying in the background under that {@code RestartPolicy}, and health turns {@code UP} once
 * it is up (an app-server that comes up after the service, as a pod may).
 */
public final class CodexLifecycle implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(CodexLifecycle.class);

    private final String what;
    private final Mono<?> start;
    private final AutoCloseable resource;
    private final Duration timeout;
    private final boolean failFast;
    private volatile boolean running;

    CodexLifecycle(String what, Mono<?> start, AutoCloseable resource, Duration timeout, boolean failFast) {
        this.what = what;
        this.start = start;
        this.resource = resource;
        this.timeout = timeout;
        this.failFast = failFast;
    }

    @Override
    public void start() {
        try {
            start.block(timeout);
        } catch (RuntimeException e) {
            if (failFast) {
                throw new IllegalStateException("codex " + what + " did not start: " + e.getMessage(), e);
            }
            log.warn("codex {} did not start (codex.fail-fast=false, the application starts without it): {}", what,
                    e.getMessage());
        }
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        try {
            resource.close();
        } catch (Exception e) {
            log.warn("closing codex {} failed: {}", what, e.toString());
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Late in start-up, early in shutdown: after the beans it needs, before those that use codex stop. */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE - 1024;
    }
}
