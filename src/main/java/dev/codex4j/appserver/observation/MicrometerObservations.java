package dev.codex4j.appserver.observation;

import dev.codex4j.appserver.rpc.ClientObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ClientObserver} on Micrometer's Observation API: a turn is one observation ({@code codex.turns}) and
 * the requests sent for it ({@code turn/start}, {@code turn/steer}, {@code turn/interrupt}) and the approvals
 * asked during it are its children, so a tracing bridge (OpenTelemetry, Brave) shows one trace per turn; with a
 * {@code DefaultMeterObservationHandler} every observation is also a timer. Give a {@link MeterRegistry} too
 * ({@link #of(ObservationRegistry, MeterRegistry)}) for what is too frequent or not timed to be an observation:
 * notifications received (a counter per method) and token usage (distribution summaries).
 *
 * <pre>{@code
 * AppServerClient client = AppServerClient.builder()
 *         .observations(MicrometerObservations.of(observationRegistry, meterRegistry))
 *         .build();
 * }</pre>
 *
 * <p>Tags are low-cardinality only: method names from the protocol's fixed set (any other method is
 * {@code other}), outcomes, decisions from the protocol's wire values ({@code other} for anything else), who
 * decided, and the simple class name of a failure. Never a prompt, a command line, a thread or turn id, an
 * exception message or a secret: failures are not handed to {@link Observation#error}, whose message a tracer
 * would record. The README lists every name. Needs {@code micrometer-observation} on the class path, and
 * {@code micrometer-core} for the two-argument form; the client loads none of this without an observer set.
 */
public final class MicrometerObservations implements ClientObserver {

    private static final Logger log = LoggerFactory.getLogger(MicrometerObservations.class);

    static final String REQUESTS = "codex.requests";
    static final String TURNS = "codex.turns";
    static final String APPROVALS = "codex.approvals";
    static final String SERVER_REQUESTS = "codex.server.requests";
    static final String NOTIFICATIONS = "codex.notifications";
    static final String NOTIFICATIONS_DROPPED = "codex.notifications.dropped";
    static final String CONNECTION_LOSSES = "codex.connection.losses";
    static final String RESTARTS = "codex.restarts";
    static final String TOKENS = "codex.turn.tokens";

    private final ObservationRegistry registry;
    /** {@code null} without a meter registry. */
    private final Meters meters;
    /** The running turn of each thread, the parent of the approvals asked on it; removed when the turn ends. */
    private final Map<String, TurnActivity> runningTurns = new ConcurrentHashMap<>();
    private final AtomicBoolean registryFailureLogged = new AtomicBoolean();

    private MicrometerObservations(ObservationRegistry registry, Meters meters) {
        this.registry = registry;
        this.meters = meters;
    }

    /** Observations of requests, turns, approvals, connection losses and restarts. */
    public static MicrometerObservations of(ObservationRegistry registry) {
        return new MicrometerObservations(Objects.requireNonNull(registry, "registry"), null);
    }

    /** As {@link #of(ObservationRegistry)}, and counters of notifications and summaries of token usage. */
    public static MicrometerObservations of(ObservationRegistry registry, MeterRegistry meterRegistry) {
        return new MicrometerObservations(Objects.requireNonNull(registry, "registry"),
                new Meters(Objects.requireNonNull(meterRegistry, "meterRegistry")));
    }

    @Override
    public Activity requestStarted(String method, Activity parent) {
        Observation observation = Observation.createNotStarted(REQUESTS, registry)
                .lowCardinalityKeyValue(Tags.METHOD, Tags.method(method))
                .contextualName(Tags.method(method));
        if (parent instanceof TurnActivity turn) {
            observation.parentObservation(turn.observation);
        }
        return new RequestActivity(observation.start());
    }

    /**
     * Called on the reader thread before the notification is handed on, where a throw would lose the
     * notification (the reader drops the line): a registry that fails costs the count, logged once.
     */
    @Override
    public void notificationReceived(String method) {
        if (meters != null) {
            try {
                meters.notification(method).increment();
            } catch (RuntimeException e) {
                registryFailed(e);
            }
        }
    }

    @Override
    public void notificationsDropped() {
        try {
            instant(NOTIFICATIONS_DROPPED);
        } catch (RuntimeException e) {
            registryFailed(e);
        }
    }

    private void registryFailed(RuntimeException e) {
        if (registryFailureLogged.compareAndSet(false, true)) {
            log.warn("the meter or observation registry failed; codex notifications are not counted while it does "
                    + "(logged once)", e);
        }
    }

    @Override
    public Activity serverRequestStarted(String method, String threadId) {
        Observation observation = Observation.createNotStarted(Tags.isApproval(method) ? APPROVALS : SERVER_REQUESTS,
                        registry)
                .lowCardinalityKeyValue(Tags.METHOD, Tags.method(method))
                .lowCardinalityKeyValue(Tags.KIND, Tags.kind(method));
        TurnActivity turn = threadId == null ? null : runningTurns.get(threadId);
        if (turn != null) {
            observation.parentObservation(turn.observation);
        }
        return new ServerRequestActivity(observation.start());
    }

    @Override
    public Activity turnStarted(String threadId) {
        TurnActivity turn = new TurnActivity(Observation.createNotStarted(TURNS, registry).start(), threadId);
        runningTurns.put(threadId, turn);
        return turn;
    }

    @Override
    public void connectionLost() {
        instant(CONNECTION_LOSSES);
    }

    @Override
    public void restartFinished(boolean succeeded) {
        Observation.createNotStarted(RESTARTS, registry)
                .lowCardinalityKeyValue(Tags.OUTCOME, succeeded ? "success" : "gave_up").start().stop();
    }

    private void instant(String name) {
        Observation.createNotStarted(name, registry).start().stop();
    }

    private static void stop(Observation observation, String outcome, Throwable error) {
        observation.lowCardinalityKeyValue(Tags.OUTCOME, outcome)
                .lowCardinalityKeyValue(Tags.ERROR, error == null ? "none" : error.getClass().getSimpleName())
                .stop();
    }

    private static final class RequestActivity implements Activity {

        private final Observation observation;

        RequestActivity(Observation observation) {
            this.observation = observation;
        }

        @Override
        public void stop(String outcome, Throwable error) {
            MicrometerObservations.stop(observation, outcome, error);
        }
    }

    private static final class ServerRequestActivity implements Activity {

        private final Observation observation;

        ServerRequestActivity(Observation observation) {
            this.observation = observation;
        }

        @Override
        public void decided(String decision, String decidedBy) {
            observation.lowCardinalityKeyValue(Tags.DECISION, Tags.decision(decision))
                    .lowCardinalityKeyValue(Tags.DECIDED_BY, Tags.decidedBy(decidedBy));
        }

        @Override
        public void stop(String outcome, Throwable error) {
            MicrometerObservations.stop(observation, outcome, error);
        }
    }

    private final class TurnActivity implements Activity {

        final Observation observation;
        private final String threadId;

        TurnActivity(Observation observation, String threadId) {
            this.observation = observation;
            this.threadId = threadId;
        }

        @Override
        public void tokenUsage(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens) {
            // numbers, not tags: high cardinality keys go to a trace's span, never to a metric's tags
            observation.highCardinalityKeyValue("codex.tokens.input", Long.toString(inputTokens))
                    .highCardinalityKeyValue("codex.tokens.cached_input", Long.toString(cachedInputTokens))
                    .highCardinalityKeyValue("codex.tokens.output", Long.toString(outputTokens))
                    .highCardinalityKeyValue("codex.tokens.reasoning", Long.toString(reasoningTokens));
            if (meters != null) {
                meters.tokens(inputTokens, cachedInputTokens, outputTokens, reasoningTokens);
            }
        }

        @Override
        public void stop(String outcome, Throwable error) {
            runningTurns.remove(threadId, this);
            MicrometerObservations.stop(observation, outcome, error);
        }
    }

    /** The meters that are not observations: built once, looked up per event. */
    private static final class Meters {

        private final Map<String, Counter> notifications = new ConcurrentHashMap<>();
        private final MeterRegistry registry;
        private final DistributionSummary input;
        private final DistributionSummary cachedInput;
        private final DistributionSummary output;
        private final DistributionSummary reasoning;

        Meters(MeterRegistry registry) {
            this.registry = registry;
            this.input = tokens(registry, "input");
            this.cachedInput = tokens(registry, "cached_input");
            this.output = tokens(registry, "output");
            this.reasoning = tokens(registry, "reasoning");
        }

        private static DistributionSummary tokens(MeterRegistry registry, String type) {
            return DistributionSummary.builder(TOKENS).baseUnit("tokens").tag(Tags.TYPE, type)
                    .description("Tokens of a turn's last model response, by type").register(registry);
        }

        Counter notification(String method) {
            String tag = Tags.method(method); // bounded: at most the protocol's methods and "other"
            Counter counter = notifications.get(tag);
            return counter != null ? counter : notifications.computeIfAbsent(tag, m -> Counter.builder(NOTIFICATIONS)
                    .tag(Tags.METHOD, m).description("Notifications received from the app-server")
                    .register(registry));
        }

        void tokens(long inputTokens, long cachedInputTokens, long outputTokens, long reasoningTokens) {
            input.record(inputTokens);
            cachedInput.record(cachedInputTokens);
            output.record(outputTokens);
            reasoning.record(reasoningTokens);
        }
    }
}
