/**
 * The app-server protocol: the method catalog and the typed messages.
 *
 * <p>Hand-written here: the method descriptors {@link dev.codex4j.appserver.protocol.ClientMethod},
 * {@link dev.codex4j.appserver.protocol.NotificationMethod} and
 * {@link dev.codex4j.appserver.protocol.ServerRequestMethod}, and the
 * {@link dev.codex4j.appserver.protocol.Experimental} marker. Generated from {@code protocol-schema/}
 * (regenerate with {@code scripts/generate-protocol.sh}, never edit by hand):
 *
 * <ul>
 *   <li>{@link dev.codex4j.appserver.protocol.ClientMethods}: one constant per client request, e.g.
 *       {@code ClientMethods.THREAD_START} ({@code ClientMethod<ThreadStartParams, ThreadStartResponse>}),
 *       with {@code all()} and {@code byName(String)}. Methods whose schema has no params use
 *       {@code Void} as params type (send them without {@code params}); methods with optional params
 *       have {@code paramsRequired() == false} ({@code null} means "omit").
 *   <li>{@link dev.codex4j.appserver.protocol.ServerNotifications} and the sealed
 *       {@link dev.codex4j.appserver.protocol.ServerNotification} (one record per method wrapping its
 *       typed params, plus {@code UnknownNotification}); {@code ServerNotifications.decode(mapper,
 *       method, params)} turns a wire notification into it.
 *   <li>{@link dev.codex4j.appserver.protocol.ServerRequests} and the sealed
 *       {@link dev.codex4j.appserver.protocol.ServerRequest}, the same for requests the server sends to
 *       the client (approvals, user input, dynamic tool calls...), with their response types.
 *   <li>{@link dev.codex4j.appserver.protocol.ClientNotifications}: {@code initialized}.
 *   <li>{@code dev.codex4j.appserver.protocol.types}: every schema type (see its package doc for the
 *       mapping rules: records, nullable components, enums with {@code UNRECOGNIZED}, sealed unions
 *       with {@code Unknown...} variants that keep the raw JSON).
 * </ul>
 *
 * <p>Stable is the default: entries of methods that only the experimental API has carry
 * {@code experimental() == true} and {@code @Experimental}. Result types are not linked to methods in
 * the schema; the generator pairs {@code FooParams} with {@code FooResponse} and lists the exceptions.
 *
 * <p>This package depends on Jackson only (annotations, and databind for the union deserializers in
 * {@code dev.codex4j.appserver.protocol.support}); the types work with a plain {@code new ObjectMapper()}.
 */
package dev.codex4j.appserver.protocol;
