package dev.codex4j.appserver.rpc;

import reactor.core.publisher.Mono;

/**
 * Decides the reply to a server request. Called off the reader thread; may block or call the client. The
 * caller guarantees exactly one reply is sent, and sends nothing if the returned {@code Mono} is cancelled.
 */
@FunctionalInterface
public interface ServerRequestHandler {

    Mono<ServerRequestReply> handle(ServerRequest request);
}
