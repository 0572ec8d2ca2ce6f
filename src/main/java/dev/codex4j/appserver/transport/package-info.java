/**
 * The byte pipe to an app-server: launching the process or connecting to its WebSocket, framing messages,
 * draining stderr, and ending the whole process tree.
 *
 * <p>Nothing here knows JSON-RPC. A {@link dev.codex4j.appserver.transport.Transport} hands each complete
 * line to its {@link dev.codex4j.appserver.transport.TransportListener} on one reader thread, accepts
 * outgoing lines from any thread (one writer at a time), and reports its end exactly once through
 * {@link dev.codex4j.appserver.transport.TransportListener#onClosed}. A listener that is held up in a call
 * can have the reader replaced ({@link dev.codex4j.appserver.transport.ReplaceableReader#replaceReader()}, on a
 * transport that offers it): a new thread goes on from the next line, so nothing a listener does can stop the
 * reading for good.
 *
 * <p>Two implementations: {@link dev.codex4j.appserver.transport.StdioTransport} spawns the app-server and speaks
 * over its pipes; {@link dev.codex4j.appserver.transport.WebSocketTransport} connects to one listening on a
 * WebSocket ({@code codex app-server --listen ws://...} or {@code unix://...}), with
 * {@link dev.codex4j.appserver.transport.WebSocketOptions} (token, headers, TLS, timeouts, pings). Both are read and
 * written by the same package-private code ({@code StreamReader}, {@code StreamWriter}); only the framing differs
 * (lines; WebSocket frames). {@link dev.codex4j.appserver.transport.LocalWebSocketServer} runs such a listener on
 * this machine, ended like the stdio child (one package-private {@code ChildProcess} for both).
 * {@link dev.codex4j.appserver.transport.SecretRedactor} is for any transport's diagnostics.
 */
package dev.codex4j.appserver.transport;
