/**
 * The byte pipe to an app-server: launching the process, framing newline-delimited messages, draining
 * stderr, and ending the whole process tree.
 *
 * <p>Nothing here knows JSON-RPC. A {@link dev.codex4j.appserver.transport.Transport} hands each complete
 * line to its {@link dev.codex4j.appserver.transport.TransportListener} on one reader thread, accepts
 * outgoing lines from any thread (one writer at a time), and reports its end exactly once through
 * {@link dev.codex4j.appserver.transport.TransportListener#onClosed}. A listener that is held up in a call
 * can have the reader replaced ({@link dev.codex4j.appserver.transport.ReplaceableReader#replaceReader()}, on a
 * transport that offers it): a new thread goes on from the next line, so nothing a listener does can stop the
 * reading for good. {@link dev.codex4j.appserver.transport.StdioTransport} is the one implementation here;
 * {@link dev.codex4j.appserver.transport.SecretRedactor} is for any transport's diagnostics.
 */
package dev.codex4j.appserver.transport;
