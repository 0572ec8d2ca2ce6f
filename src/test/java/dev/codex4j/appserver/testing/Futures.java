package dev.codex4j.appserver.testing;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting on a future in a test: its value, or the exception it failed with, or an assertion error. */
public final class Futures {

    private Futures() {}

    /** The value of {@code future}, which must complete within {@code wait}. */
    public static <T> T await(CompletableFuture<T> future, Duration wait) {
        try {
            return future.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new AssertionError("failed instead of completing", e.getCause());
        } catch (Exception e) {
            throw new AssertionError("not completed within " + wait, e);
        }
    }

    /** The exception {@code future} failed with, which it must within {@code wait}. */
    public static Throwable failure(CompletableFuture<?> future, Duration wait) {
        try {
            Object value = future.get(wait.toMillis(), TimeUnit.MILLISECONDS);
            throw new AssertionError("completed instead of failing: " + value);
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (Exception e) {
            throw new AssertionError("still waiting after " + wait, e);
        }
    }
}
