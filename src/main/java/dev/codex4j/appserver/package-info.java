/**
 * The client API: {@link dev.codex4j.appserver.AppServerClient} and its builder. The client is a facade over a
 * session ({@code dev.codex4j.appserver.session}, internal) built from an immutable configuration; it adds
 * typed requests and notifications, and answers the server's requests with the configured
 * {@link dev.codex4j.appserver.approval.ApprovalDecisions}. What a request can end with, and the policies for
 * retries and restarts, are in {@link dev.codex4j.appserver.rpc}.
 *
 * <p><b>Threads.</b> The reader thread completes responses itself, so the continuations of request
 * {@code Mono}s run on it, as they run on the event loop of a reactive HTTP client: handing every response to
 * another thread cost a wake-up per burst and a third busy thread on a two-core machine. A continuation that
 * holds the reader for more than 2 ms gets a new reader started from the next line, so one that blocks, even
 * on another request, delays the connection by milliseconds and never stops it. Notifications and approval
 * handlers never run on the reader: subscribers drain their own queues on {@code codex4j-dispatch-*},
 * handlers run on {@code codex4j-handler-*}.
 *
 * <p>Layers built on the client, such as {@code dev.codex4j.appserver.thread}, keep their per-client state in
 * an {@link dev.codex4j.appserver.AppServerClient#attachment attachment}; the client knows nothing of them.
 */
package dev.codex4j.appserver;
