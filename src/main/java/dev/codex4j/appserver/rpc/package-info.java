/**
 * JSON-RPC as codex app-server speaks it, and how a request can end: the messages
 * ({@link dev.codex4j.appserver.rpc.Notification}, {@link dev.codex4j.appserver.rpc.IncomingRequest} and the
 * client's {@link dev.codex4j.appserver.rpc.ServerRequestReply} to it, {@link dev.codex4j.appserver.rpc.Response}),
 * request ids and errors; the exceptions a caller sees ({@link dev.codex4j.appserver.rpc.AppServerException}
 * and its subclasses); and the policies for what the client does about an overloaded server
 * ({@link dev.codex4j.appserver.rpc.OverloadRetryPolicy}) or a crashed one
 * ({@link dev.codex4j.appserver.rpc.RestartPolicy}, {@link dev.codex4j.appserver.rpc.ConnectionEvent}).
 *
 * <p>codex omits the {@code "jsonrpc":"2.0"} member. Reading and writing the wire, and the table of requests
 * awaiting an answer, belong to the session that owns a connection (not exported).
 */
package dev.codex4j.appserver.rpc;
