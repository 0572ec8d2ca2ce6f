package dev.codex4j.appserver.session;

import dev.codex4j.appserver.rpc.Notification;
import dev.codex4j.appserver.rpc.IncomingRequest;
import dev.codex4j.appserver.rpc.ServerRequestReply;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Answers the server's requests for a {@link Session}. The session owns when a request is answered (exactly
 * once, on the connection it came on; never after that connection ended, the server resolved it elsewhere,
 * or its turn completed); the handler owns what the answer is.
 */
public interface ServerRequestHandler {

    /**
     * Decides the reply to {@code request}. The session subscribes once on {@code scheduler} (threads that
     * may block), and cancels the subscription when the reply is no longer wanted.
     */
    Mono<ServerRequestReply> handle(IncomingRequest request, Scheduler scheduler);

    /** The reply when {@link #handle} fails anyway, or its reply cannot be written. */
    ServerRequestReply fallback(IncomingRequest request);

    /**
     * Sees each {@code item/started} and {@code item/completed} notification on the reader thread, in wire
     * order, before any later server request is handled (codex announces an item before asking about it).
     * Must be quick and must not throw.
     */
    default void observeItem(Notification notification) {}

    /** The connection ended: what it announced is gone. */
    default void connectionEnded() {}

    /** The session ended for good. */
    default void sessionEnded() {}
}
