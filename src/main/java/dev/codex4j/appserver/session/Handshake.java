package dev.codex4j.appserver.session;

import dev.codex4j.appserver.protocol.types.InitializeResponse;
import dev.codex4j.appserver.rpc.ResponseDecodingException;
import dev.codex4j.appserver.rpc.ServerVersionMismatchException;
import java.io.IOException;
import reactor.core.publisher.Mono;

/**
 * The conversation that opens every connection: the {@code initialize} request with the client's info and
 * capabilities, then, once its answer is read and its server's version accepted ({@link ServerVersion}), the
 * {@code initialized} notification. Until it completes, the session sends nothing else (see {@link Session}).
 */
final class Handshake {

    private Handshake() {}

    static Mono<InitializeResponse> run(Session session) {
        return session.send("initialize", session.config.initializeParams(), true, session.config.handshakeTimeout())
                .flatMap(result -> {
                    InitializeResponse response;
                    try {
                        response = session.mapper.treeToValue(result, InitializeResponse.class);
                    } catch (IOException e) {
                        return Mono.error(new ResponseDecodingException("initialize", InitializeResponse.class,
                                session.redactor.redact(e.getMessage()), e));
                    }
                    try {
                        session.config.serverVersion().check(response, session.redactor);
                    } catch (ServerVersionMismatchException e) {
                        return Mono.error(e); // the session stops a server that fails its handshake
                    }
                    session.write("initialized", null, true);
                    return Mono.just(response);
                });
    }
}
