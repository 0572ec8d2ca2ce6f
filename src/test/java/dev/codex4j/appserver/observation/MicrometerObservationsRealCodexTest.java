package dev.codex4j.appserver.observation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.rpc.ConnectionEvent;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import io.micrometer.common.KeyValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Observations of a real codex's turn: names, tags, parent links, and no prompt or command in any tag. */
@Timeout(120)
class MicrometerObservationsRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String PROMPT = "PROMPT-7f3a list the files";
    private static final String COMMAND = "touch CMD-9b2c.txt";

    private final TestObservationRegistry registry = TestObservationRegistry.create();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    /** Every observation that stopped, in the order they stopped. */
    private final Queue<Observation.Context> stopped = new ConcurrentLinkedQueue<>();
    private ScriptedModel model;
    private RealCodex codex;
    private AppServerClient client;

    @BeforeEach
    void setUp() {
        registry.observationConfig().observationHandler(new ObservationHandler<>() {
            @Override
            public void onStop(Observation.Context context) {
                stopped.add(context);
            }

            @Override
            public boolean supportsContext(Observation.Context context) {
                return true;
            }
        });
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
    }

    @AfterEach
    void tearDown() {
        if (client != null) {
            client.close();
        }
        model.close();
        codex.close();
    }

    @Test
    void aTurnIsOneObservationWithItsRequestsAndApprovalsAsChildren() {
        client = codex.clientBuilder().requestTimeout(WAIT)
                .observations(MicrometerObservations.of(registry, meters)).build();
        client.start().block(WAIT);
        CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
        model.enqueue(Reply.escalatedExecCommand("call-1", COMMAND, "needs a file"),
                Reply.message("done").withUsage(120, 30));

        TurnResult result = thread.run(PROMPT).block(WAIT);
        client.close(); // every observation of the turn has ended

        assertThat(result.finalResponse()).isEqualTo("done");
        Observation.Context turn = single(MicrometerObservations.TURNS);
        assertThat(tags(turn)).contains(KeyValue.of("outcome", "completed"), KeyValue.of("error", "none"));
        assertThat(turn.getParentObservation()).isNull();

        Observation.Context turnStart = stopped.stream().filter(c -> c.getName().equals(MicrometerObservations.REQUESTS)
                && tags(c).contains(KeyValue.of("method", "turn/start"))).findFirst().orElseThrow();
        assertThat(tags(turnStart)).contains(KeyValue.of("outcome", "success"));
        assertThat(turnStart.getParentObservation().getContextView()).isSameAs(turn);

        Observation.Context threadStart = stopped.stream().filter(c -> tags(c).contains(KeyValue.of("method",
                "thread/start"))).findFirst().orElseThrow();
        assertThat(threadStart.getParentObservation()).as("thread/start is not part of a turn").isNull();

        Observation.Context approval = single(MicrometerObservations.APPROVALS);
        assertThat(tags(approval)).contains(KeyValue.of("kind", "command"), KeyValue.of("decision", "decline"),
                KeyValue.of("decided.by", "default"), KeyValue.of("outcome", "answered"),
                KeyValue.of("method", "item/commandExecution/requestApproval"));
        assertThat(approval.getParentObservation().getContextView()).isSameAs(turn);

        assertThat(turn.getHighCardinalityKeyValue("codex.tokens.output").getValue()).isEqualTo("30");
        assertThat(meters.get(MicrometerObservations.TOKENS).tag("type", "output").summary().totalAmount())
                .isEqualTo(30);
        assertThat(meters.get(MicrometerObservations.NOTIFICATIONS).tag("method", "turn/completed").counter().count())
                .isEqualTo(1);

        List<String> values = stopped.stream().flatMap(c -> Stream.concat(
                c.getLowCardinalityKeyValues().stream(), c.getHighCardinalityKeyValues().stream()))
                .map(KeyValue::getValue).toList();
        assertThat(values).noneMatch(v -> v.contains("PROMPT-7f3a") || v.contains("CMD-9b2c")
                || v.contains(thread.id()));
        TestObservationRegistryAssert.assertThat(registry).hasObservationWithNameEqualTo(MicrometerObservations.TURNS)
                .that().hasBeenStarted().hasBeenStopped();
    }

    @Test
    void aKilledAppServerIsAConnectionLossAndItsRestartARestart() throws Exception {
        client = codex.clientBuilder().requestTimeout(WAIT)
                .restartOnCrash(RestartPolicy.of(2, Duration.ofMillis(50), Duration.ofMillis(200)))
                .observations(MicrometerObservations.of(registry)).build();
        client.start().block(WAIT);
        var restarted = client.connectionEvents().filter(e -> e instanceof ConnectionEvent.Restarted).next().toFuture();
        ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("codex"))
                .findFirst().orElseThrow().destroyForcibly();

        restarted.get(WAIT.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);

        single(MicrometerObservations.CONNECTION_LOSSES);
        assertThat(tags(single(MicrometerObservations.RESTARTS))).contains(KeyValue.of("outcome", "success"));
    }

    private Observation.Context single(String name) {
        List<Observation.Context> named = stopped.stream().filter(c -> c.getName().equals(name)).toList();
        assertThat(named).as("observations named %s among %s", name, stopped.stream().map(Observation.Context::getName)
                .toList()).hasSize(1);
        return named.get(0);
    }

    private static List<KeyValue> tags(Observation.ContextView context) {
        return context.getLowCardinalityKeyValues().stream().toList();
    }
}
