/**
 * codex4j: a Java client for {@code codex app-server}.
 *
 * <p>Exported: the client API ({@code dev.codex4j.appserver}), the messages, errors and policies it speaks in
 * ({@code rpc}), the transport SPI with the stdio and WebSocket transports ({@code transport}), threads and turns
 * ({@code thread}), a pool of app-servers ({@code pool}), sign-in and account ({@code account}), approvals ({@code approval}), metrics and traces with Micrometer ({@code observation},
 * optional) and the generated
 * protocol ({@code protocol} and below).
 * Not exported: {@code session}, the engine that runs one connection. Nothing is opened: Jackson
 * binds the protocol records through their public constructors and accessors.
 */
module dev.codex4j.appserver {
    requires transitive com.fasterxml.jackson.databind;
    requires transitive reactor.core;
    requires transitive org.reactivestreams;
    requires com.github.victools.jsonschema.generator;
    requires org.slf4j;
    // optional: only the observation package uses Micrometer, and only when the application has it
    requires static transitive micrometer.observation;
    requires static micrometer.commons;
    requires static transitive micrometer.core;

    exports dev.codex4j.appserver;
    exports dev.codex4j.appserver.rpc;
    exports dev.codex4j.appserver.transport;
    exports dev.codex4j.appserver.thread;
    exports dev.codex4j.appserver.pool;
    exports dev.codex4j.appserver.account;
    exports dev.codex4j.appserver.approval;
    exports dev.codex4j.appserver.observation;
    exports dev.codex4j.appserver.protocol;
    exports dev.codex4j.appserver.protocol.types;
    exports dev.codex4j.appserver.protocol.support;
}
