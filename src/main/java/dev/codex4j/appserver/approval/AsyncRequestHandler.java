package dev.codex4j.appserver.approval;

import reactor.core.publisher.Mono;

/**
 * Answers one kind of server request asynchronously. An empty {@code Mono} counts as "no answer": the safe
 * default is sent instead.
 *
 * @param <P> the request's generated params type
 * @param <R> what the handler returns: a decision, or the generated response type
 */
@FunctionalInterface
public interface AsyncRequestHandler<P, R> {

    Mono<R> handle(P params);
}
