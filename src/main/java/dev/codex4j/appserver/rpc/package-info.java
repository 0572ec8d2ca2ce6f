/**
 * JSON-RPC as codex app-server speaks it, and how a request can end: message shapes, request ids, the table
 * of requests awaiting a response, the encoding of messages; the exceptions a caller sees
 * ({@link dev.codex4j.appserver.rpc.AppServerException} and its subclasses); and the policies for what the
 * client does about an overloaded server ({@link dev.codex4j.appserver.rpc.OverloadRetry}) or a crashed one
 * ({@link dev.codex4j.appserver.rpc.RestartPolicy}, {@link dev.codex4j.appserver.rpc.ConnectionEvent}).
 *
 * <p>codex omits the {@code "jsonrpc":"2.0"} member, so nothing here writes it, and reading accepts it.
 * Each incoming line is classified once by {@link dev.codex4j.appserver.rpc.MessageCodec}: a
 * {@link dev.codex4j.appserver.rpc.Response} (an {@code id} and no {@code method}), a
 * {@link dev.codex4j.appserver.rpc.Notification} (a {@code method} and no {@code id}) or a
 * {@link dev.codex4j.appserver.rpc.ServerRequest} (both).
 */
package dev.codex4j.appserver.rpc;
