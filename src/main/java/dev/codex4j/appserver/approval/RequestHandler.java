package dev.codex4j.appserver.approval;

/**
 * Answers one kind of server request synchronously. Runs on a library-owned thread, so it may block, for
 * example to ask a person; it is bounded by the handler timeout all the same.
 *
 * @param <P> the request's generated params type
 * @param <R> what the handler returns: a decision, or the generated response type
 */
@FunctionalInterface
public interface RequestHandler<P, R> {

    R handle(P params) throws Exception;
}
