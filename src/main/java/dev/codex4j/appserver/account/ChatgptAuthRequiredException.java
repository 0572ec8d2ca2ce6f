package dev.codex4j.appserver.account;

import dev.codex4j.appserver.rpc.AppServerException;
import dev.codex4j.appserver.rpc.JsonRpcErrorException;

/**
 * The request needs a ChatGPT sign-in and there is none: reading rate limits while signed out
 * ({@code codex account authentication required to read rate limits}) or signed in with an API key
 * ({@code chatgpt authentication required to read rate limits}). Both are JSON-RPC -32600 in codex 0.169.0.
 */
public class ChatgptAuthRequiredException extends AppServerException {

    public ChatgptAuthRequiredException(JsonRpcErrorException cause) {
        super("a ChatGPT sign-in is required: " + cause.errorMessage(), cause);
    }

    /** {@code error} as a {@link ChatgptAuthRequiredException} if it is codex's "authentication required", else unchanged. */
    static Throwable map(Throwable error) {
        if (error instanceof JsonRpcErrorException rpc && rpc.code() == -32600 && rpc.errorMessage() != null
                && rpc.errorMessage().contains("authentication required")) {
            return new ChatgptAuthRequiredException(rpc);
        }
        return error;
    }
}
