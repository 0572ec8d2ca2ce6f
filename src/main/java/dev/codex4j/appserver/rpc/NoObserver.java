package dev.codex4j.appserver.rpc;

/** {@link ClientObserver#none()}: every callback is the interface's empty default. */
enum NoObserver implements ClientObserver {
    INSTANCE;

    @Override
    public boolean enabled() {
        return false;
    }
}
