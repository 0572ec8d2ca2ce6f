package dev.codex4j.appserver.account;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.protocol.ServerNotifications;
import dev.codex4j.appserver.protocol.types.AccountLoginCompletedNotification;
import java.util.Objects;
import reactor.core.Disposable;
import reactor.core.publisher.ConnectableFlux;
import reactor.core.publisher.Mono;

/**
 * The {@code account/login/completed} notifications from the moment a login is about to be started. It
 * subscribes before {@code account/login/start} is written and keeps what arrives, because the login id is
 * only known from the response and codex may report the end before the response has been read (an API-key
 * login ends at once). Ends its subscription once the login's completion has been taken, or on
 * {@link #dispose()}.
 */
final class LoginCompletions {

    private final ConnectableFlux<AccountLoginCompletedNotification> replay;
    private final Disposable connection;

    private LoginCompletions(AppServerClient client) {
        this.replay = client.notifications(ServerNotifications.ACCOUNT_LOGIN_COMPLETED).replay();
        this.connection = replay.connect();
    }

    /** Starts listening now. */
    static LoginCompletions listen(AppServerClient client) {
        return new LoginCompletions(client);
    }

    /**
     * The first completion of {@code loginId} ({@code null}: an API-key login, which codex reports without an
     * id); fails with a {@link LoginFailedException} if the notifications end first (the client closed), or
     * with the connection's error. Stops listening when it emits or fails.
     */
    Mono<AccountLoginCompletedNotification> completionOf(String loginId) {
        return replay.filter(n -> Objects.equals(loginId, n.loginId()))
                .next()
                .switchIfEmpty(Mono.error(() -> new LoginFailedException(loginId,
                        "the client was closed before the sign-in completed")))
                .doFinally(signal -> connection.dispose());
    }

    void dispose() {
        connection.dispose();
    }
}
