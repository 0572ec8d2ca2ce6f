package dev.codex4j.appserver.account;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@link PendingLogin} for callers that do not use Reactor: wait for it like a {@code CountDownLatch}, cancel it
 * from any thread.
 *
 * <pre>{@code
 * BlockingLogin login = CodexAccount.of(client).blocking().loginChatgptDeviceCode();
 * System.out.println("Go to " + login.url() + " and enter " + login.userCode().orElseThrow());
 * if (!login.await(Duration.ofMinutes(15))) {
 *     login.cancel();
 * }
 * }</pre>
 */
public final class BlockingLogin {

    private final PendingLogin login;

    BlockingLogin(PendingLogin login) {
        this.login = login;
    }

    public PendingLogin.Method method() {
        return login.method();
    }

    public String loginId() {
        return login.loginId();
    }

    /** See {@link PendingLogin#url()}. */
    public URI url() {
        return login.url();
    }

    /** See {@link PendingLogin#userCode()}. */
    public Optional<String> userCode() {
        return login.userCode();
    }

    public boolean isDone() {
        return login.isDone();
    }

    /**
     * Blocks until the login ends.
     *
     * @throws LoginFailedException if it did not succeed ({@link LoginCancelledException} after {@link #cancel()})
     */
    public void await() {
        login.completion().block();
    }

    /**
     * Blocks until the login ends or {@code timeout} passes. The login carries on after a timeout: wait again
     * or {@link #cancel()} it.
     *
     * @return {@code true} once signed in, {@code false} if it is still pending after {@code timeout}
     * @throws LoginFailedException if it ended without success ({@link LoginCancelledException} after
     *     {@link #cancel()})
     * @throws IllegalStateException if the calling thread is interrupted while it waits (its interrupt flag is
     *     set again)
     */
    public boolean await(Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative: " + timeout);
        }
        try {
            login.completion().toFuture().get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException failure) {
                throw failure;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for sign-in " + login.loginId(), e);
        }
    }

    /** Cancels the login; see {@link PendingLogin#cancel()}. @return {@code false} if it had already ended */
    public boolean cancel() {
        return Boolean.TRUE.equals(login.cancel().block());
    }

    /** The reactive login behind this facade. */
    public PendingLogin reactive() {
        return login;
    }

    @Override
    public String toString() {
        return login.toString();
    }
}
