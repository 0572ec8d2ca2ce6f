package dev.codex4j.appserver.rpc;

/**
 * What a client reports about its work, for metrics and traces: requests, notifications, server requests and
 * approvals, turns, connection losses and restarts. Plain callbacks with no dependency on a metrics library;
 * {@code dev.codex4j.appserver.observation.MicrometerObservations} implements them with Micrometer's Observation
 * API. Set one with {@code AppServerClientBuilder.observations(...)}; the default, {@link #none()}, does nothing
 * and costs a call per event.
 *
 * <p><b>What is passed.</b> Method names, outcomes and decisions are passed as they are; an implementation that
 * turns them into metric tags must bound them (the protocol's method set, the decisions' wire values) and must
 * not tag with {@code threadId}, which is passed only so an approval can be linked to its turn. Nothing passed
 * here carries a prompt, a command line, a params object or a secret.
 *
 * <p><b>Threads.</b> Callbacks come from the client's reader and dispatch threads; they must be quick and must
 * not throw (a throwing observer is a bug in the observer: the client does not guard against it on its hot path).
 */
public interface ClientObserver {

    /** The key under which a request's parent {@link Activity} (its turn) travels in a Reactor {@code Context}. */
    Class<Activity> PARENT_KEY = Activity.class;

    /** The observer that records nothing: the client's default. */
    static ClientObserver none() {
        return NoObserver.INSTANCE;
    }

    /**
     * Whether this observer records anything; {@code false} lets the client skip work done only to report (such as
     * looking up a request's parent turn).
     */
    default boolean enabled() {
        return true;
    }

    /**
     * A request is about to be sent (each attempt once, not each overload retry).
     *
     * @param method the JSON-RPC method, e.g. {@code turn/start}
     * @param parent the turn it is sent for, or {@code null}
     * @return what to tell when it ends; {@link Activity#NONE} when nothing is recorded
     */
    default Activity requestStarted(String method, Activity parent) {
        return Activity.NONE;
    }

    /** A notification arrived from the server (before it is handed to subscribers). */
    default void notificationReceived(String method) {}

    /** A notification subscriber fell further behind than its buffer allows; its stream fails with an overflow. */
    default void notificationsDropped() {}

    /**
     * The server sent a request (an approval, a tool call, a question) for the client to answer. The returned
     * activity is told the {@link Activity#decided decision} and then {@link Activity#stop stopped} with
     * {@code answered} or {@code cancelled}.
     *
     * @param method the server request's method, e.g. {@code item/commandExecution/requestApproval}
     * @param threadId the thread it is for, or {@code null}: to link it to the thread's running turn, never a tag
     */
    default Activity serverRequestStarted(String method, String threadId) {
        return Activity.NONE;
    }

    /**
     * A turn is being started on {@code threadId}; its requests ({@code turn/start}, {@code turn/steer},
     * {@code turn/interrupt}) and the approvals asked during it are reported with the returned activity as parent.
     */
    default Activity turnStarted(String threadId) {
        return Activity.NONE;
    }

    /** The connection to the app-server ended without the client closing it (process exit, socket drop). */
    default void connectionLost() {}

    /** A restart after a connection loss ended: a new app-server is ready, or restarting was given up. */
    default void restartFinished(boolean succeeded) {}

    /** Something observed that takes time: a request or a turn. */
    interface Activity {

        /** The activity that records nothing. */
        Activity NONE = new Activity() {};

        /**
         * The activity ended; called once.
         *
         * @param outcome a word from a fixed set: for requests {@code success}, {@code error}, {@code timeout},
         *     {@code closed}, {@code cancelled}; for turns {@code completed}, {@code failed}, {@code interrupted},
         *     {@code lost}
         * @param error the failure, or {@code null}
         */
        default void stop(String outcome, Throwable error) {}

        /**
         * How a server request was decided (before {@link #stop}).
         *
         * @param decision the decision's wire value (e.g. {@code decline}) or, for other replies, compact JSON; an
         *     implementation tags only known wire values
         * @param decidedBy {@code handler}, {@code policy} (a rule or named policy), {@code default},
         *     {@code timeout}, {@code error} or {@code cancelled}
         */
        default void decided(String decision, String decidedBy) {}

        /** The token usage a turn reported when it ended (before {@link #stop}). */
        default void tokenUsage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens) {}
    }
}
