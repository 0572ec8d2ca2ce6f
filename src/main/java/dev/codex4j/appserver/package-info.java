/**
 * The client: {@link dev.codex4j.appserver.AppServerClient}, its builder, the handshake, requests,
 * notification fan-out ({@code Broadcast}), server requests handed to approvals, crash recovery, and the
 * exceptions a caller sees.
 *
 * <p><b>Where this departs from the first architecture sketch, and why.</b> The sketch had the reader thread
 * never run user code. Here the reader completes responses itself, so the continuations of request
 * {@code Mono}s run on it, as they run on the event loop of a reactive HTTP client. Handing every response to
 * another thread cost a wake-up per burst and a third busy thread on a two-core machine, and the pipelined
 * benchmark could not reach the hand-written baseline that way. What the sketch's rule protected is kept
 * another way: a continuation that holds the reader for more than 2 ms gets a new reader started
 * ({@code ReplaceableReader.replaceReader()}, {@code ResponseCompletions}), which goes on from the next line, so a
 * continuation that blocks, even on another request, delays the connection by milliseconds and never stops
 * it. Notifications and approval handlers still never run on the reader: subscribers drain their own queues
 * on {@code codex4j-dispatch-*}, handlers run on {@code codex4j-handler-*}.
 *
 * <p>The reader also writes: what is sent while it handles a read leaves in one system call when it is done
 * with that read (see {@code StdinWriter}): one write and one wake-up of the app-server for many requests
 * in flight instead of one each. A reader whose write blocks is replaced the same way as a held one
 * ({@code ReplaceableReader.replaceReaderIfWriting()}).
 */
package dev.codex4j.appserver;
