/**
 * One client's life with the app-server, below the {@link dev.codex4j.appserver.AppServerClient} facade and
 * not part of the API: {@link dev.codex4j.appserver.session.Session} owns the connection and its lifecycle,
 * {@code Handshake} opens each connection, {@code MessageCodec} reads and writes JSON-RPC lines (each incoming
 * line classified once: a response, a notification or a server request), {@code PendingRequests} is the
 * table of requests awaiting an answer, {@code OutgoingRequest} sends one request (again only while the
 * server answers "overloaded"), {@code Inbound} is the reader thread's routing, {@code ResponseCompletions}
 * keeps a continuation from stopping the reader, {@code ServerRequestDispatch} answers server requests
 * exactly once through a {@link dev.codex4j.appserver.session.ServerRequestHandler}, {@code Broadcast} hands
 * notifications to subscribers, and {@code CrashRecovery} restarts after a crash when a restart policy asks
 * for it.
 *
 * <p>The reader completes responses where it reads them and hands on each read's notifications in one go;
 * a continuation that holds it more than 2 ms gets a new reader started for the lines after it (see
 * {@code ResponseCompletions} and {@link dev.codex4j.appserver.transport.ReplaceableReader}).
 */
package dev.codex4j.appserver.session;
