package dev.codex4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.approval.ApprovalEvent;
import dev.codex4j.appserver.observation.PoolMetrics;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.pool.MemberHealth;
import dev.codex4j.appserver.pool.MemberState;
import dev.codex4j.appserver.protocol.types.CommandExecutionApprovalDecision;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.CodexThread;
import dev.codex4j.appserver.thread.CodexThreads;
import dev.codex4j.appserver.thread.ThreadOptions;
import dev.codex4j.appserver.thread.TurnResult;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The starter against the real codex binary and a scripted model: a client or pool from properties, used. */
@Timeout(180)
class CodexAutoConfigurationRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexAutoConfiguration.class));
    /** As a Boot application with Micrometer has it: Boot's observation and metrics auto-configuration too. */
    private final ApplicationContextRunner withMetrics = runner.withConfiguration(AutoConfigurations.of(
            ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
            CompositeMeterRegistryAutoConfiguration.class, SimpleMetricsExportAutoConfiguration.class));
    private ScriptedModel model;
    private RealCodex codex;

    @BeforeEach
    void setUp() {
        model = ScriptedModel.start();
        codex = RealCodex.forModel(model);
    }

    @AfterEach
    void tearDown() {
        model.close();
        codex.close();
    }

    @Configuration(proxyBeanMethods = false)
    static class AcceptingCommands {
        @Bean
        ApprovalDecisions approvals() {
            return ApprovalDecisions.builder().onCommandExecution(p -> CommandExecutionApprovalDecision.ACCEPT).build();
        }
    }

    @Test
    void aStartedClientRunsATurnAndItsMetricsAppearInTheMeterRegistry() {
        withMetrics.withPropertyValues(RealCodexProperties.of(codex)).run(context -> {
            assertThat(context).hasSingleBean(AppServerClient.class).hasSingleBean(ClientObserver.class)
                    .hasSingleBean(CodexHealthIndicator.class).doesNotHaveBean(AppServerPool.class);
            AppServerClient client = context.getBean(AppServerClient.class);
            assertThat(client.isReady()).as("started with the context").isTrue();
            assertThat(context.getBean(CodexHealthIndicator.class).health().getStatus()).isEqualTo(Status.UP);

            model.enqueue(Reply.message("hello from the scripted model"));
            CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT);
            TurnResult result = thread.run("say hello").block(WAIT);

            assertThat(result.finalResponse()).isEqualTo("hello from the scripted model");
            MeterRegistry meters = context.getBean(MeterRegistry.class);
            assertThat(meters).isInstanceOf(SimpleMeterRegistry.class);
            assertThat(meters.get("codex.turns").tag("outcome", "completed").timer().count()).isEqualTo(1);
            assertThat(meters.get("codex.requests").tag("method", "turn/start").tag("outcome", "success").timer()
                    .count()).isEqualTo(1);
            assertThat(meters.get("codex.notifications").tag("method", "turn/completed").counter().count())
                    .isEqualTo(1);
        });
    }

    @Test
    void withoutAnApprovalDecisionsBeanACommandIsDeclinedAndWithOneItDecides() throws Exception {
        assertThat(commandDecision(runner)).isEqualTo(ApprovalEvent.DecidedBy.DEFAULT);
        assertThat(commandDecision(runner.withUserConfiguration(AcceptingCommands.class)))
                .isEqualTo(ApprovalEvent.DecidedBy.HANDLER);
    }

    /** Runs a turn whose model asks to run a command outside the sandbox; returns who answered. */
    private ApprovalEvent.DecidedBy commandDecision(ApplicationContextRunner contextRunner) throws Exception {
        CompletableFuture<ApprovalEvent> event = new CompletableFuture<>();
        contextRunner.withPropertyValues(RealCodexProperties.of(codex)).run(context -> {
            AppServerClient client = context.getBean(AppServerClient.class);
            client.approvalEvents().next().subscribe(event::complete);
            model.enqueue(Reply.escalatedExecCommand("call-1", "touch out.txt", "needs a file"),
                    Reply.message("done"));
            CodexThreads.of(client).start(ThreadOptions.defaults()).block(WAIT).run("go").block(WAIT);
        });
        ApprovalEvent answered = event.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(answered.method()).isEqualTo("item/commandExecution/requestApproval");
        assertThat(answered.decision()).isEqualTo(answered.decidedBy() == ApprovalEvent.DecidedBy.DEFAULT
                ? "decline" : "accept");
        return answered.decidedBy();
    }

    @Test
    void healthGoesDownWhenTheAppServerDies() {
        runner.withPropertyValues(RealCodexProperties.of(codex)).run(context -> {
            AppServerClient client = context.getBean(AppServerClient.class);
            CodexHealthIndicator health = context.getBean(CodexHealthIndicator.class);
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);
            CompletableFuture<Void> lost = client.notifications().then().onErrorComplete().toFuture();

            assertThat(RealCodexProperties.codexProcesses()).singleElement().satisfies(ProcessHandle::destroyForcibly);
            lost.get(WAIT.toSeconds(), TimeUnit.SECONDS);

            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
        });
    }

    @Test
    void aPoolOfTwoIsDegradedWhenOneMemberDiesAndClosedWithTheContext() {
        withMetrics.withPropertyValues(RealCodexProperties.of(codex, "codex.pool.size=2")).run(context -> {
                    assertThat(context).hasSingleBean(AppServerPool.class).doesNotHaveBean(AppServerClient.class)
                            .hasSingleBean(PoolMetrics.class);
                    AppServerPool pool = context.getBean(AppServerPool.class);
                    CodexHealthIndicator health = context.getBean(CodexHealthIndicator.class);
                    assertThat(health.health().getStatus()).isEqualTo(Status.UP);
                    List<ProcessHandle> processes = RealCodexProperties.codexProcesses();
                    assertThat(processes).hasSize(2);

                    processes.get(0).destroyForcibly();
                    String dead = awaitOneDeadMember(pool);

                    String alive = dead.equals("codex-0") ? "codex-1" : "codex-0";
                    Health degraded = health.health();
                    assertThat(degraded.getStatus()).isEqualTo(CodexHealthIndicator.DEGRADED);
                    @SuppressWarnings("unchecked")
                    Map<String, Map<String, Object>> members = (Map<String, Map<String, Object>>) degraded
                            .getDetails().get("members");
                    assertThat(members.get(dead)).containsEntry("state", "dead");
                    assertThat(members.get(alive)).containsEntry("state", "ready");
                    MeterRegistry meters = context.getBean(MeterRegistry.class);
                    assertThat(meters.get("codex.pool.member.state").tag("member", dead).tag("state", "dead")
                            .gauge().value()).isEqualTo(1);
                    assertThat(meters.get("codex.pool.member.state").tag("member", alive).tag("state", "ready")
                            .gauge().value()).isEqualTo(1);
                });
        assertThat(RealCodexProperties.codexProcesses()).as("closed with the context").isEmpty();
    }

    @Test
    void withFailFastOffAPoolWhoseCodexIsNotThereYetStartsAnywayAndComesUpWhenItIs() throws Exception {
        java.nio.file.Path late = codex.home().resolve("late-bin/codex"); // not there when the context starts
        runner.withPropertyValues(RealCodexProperties.of(codex, "codex.executable=" + late, "codex.pool.size=2",
                "codex.fail-fast=false", "codex.restart.max-restarts=1000", "codex.restart.initial-backoff=20ms",
                "codex.restart.max-backoff=100ms")).run(context -> {
                    assertThat(context).hasNotFailed();
                    AppServerPool pool = context.getBean(AppServerPool.class);
                    CodexHealthIndicator health = context.getBean(CodexHealthIndicator.class);
                    assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
                    assertThat(pool.health()).extracting(MemberHealth::state).containsOnly(MemberState.DEAD);

                    java.nio.file.Path script = late.resolveSibling("codex.tmp");
                    java.nio.file.Files.createDirectories(late.getParent());
                    java.nio.file.Files.writeString(script, "#!/bin/sh\nexec '" + codex.executable() + "' \"$@\"\n");
                    script.toFile().setExecutable(true);
                    java.nio.file.Files.move(script, late, java.nio.file.StandardCopyOption.ATOMIC_MOVE);

                    long deadline = System.nanoTime() + WAIT.toNanos();
                    while (health.health().getStatus() != Status.UP) {
                        assertThat(System.nanoTime()).as("pool never came up: %s", pool.health()).isLessThan(deadline);
                        Thread.sleep(20); // polling the pool's own state: it offers no event for it
                    }
                    assertThat(pool.health()).extracting(MemberHealth::state, MemberHealth::restarts)
                            .containsOnly(org.assertj.core.api.Assertions.tuple(MemberState.READY, 1));
                    model.enqueue(Reply.message("up at last"));
                    TurnResult result = pool.startThread(ThreadOptions.defaults()).block(WAIT).run("hello")
                            .block(WAIT);
                    assertThat(result.finalResponse()).isEqualTo("up at last");
                });
        assertThat(RealCodexProperties.codexProcesses()).as("closed with the context").isEmpty();
    }

    /** Waits until the pool has noticed a member's death (its monitor marks it on the connection's end). */
    private static String awaitOneDeadMember(AppServerPool pool) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            var dead = pool.health().stream().filter(m -> m.state() == MemberState.DEAD).toList();
            if (!dead.isEmpty()) {
                return dead.get(0).name();
            }
            Thread.sleep(20); // polling the pool's own state: it offers no event for it
        }
        throw new AssertionError("no member became DEAD: " + pool.health());
    }
}
