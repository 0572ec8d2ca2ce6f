package dev.codex4j.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.observation.MicrometerObservations;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.pool.MemberHealth;
import dev.codex4j.appserver.rpc.ClientObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The auto-configuration backs off for the application's own beans, and says clearly when it cannot start. No
 * codex process runs here: the executable does not exist.
 */
@Timeout(60)
class CodexAutoConfigurationBackOffTest {

    private static final String MISSING = "codex.executable=/nonexistent/bin/codex";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(CodexAutoConfiguration.class, ObservationAutoConfiguration.class,
                    MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
                    SimpleMetricsExportAutoConfiguration.class));

    @Configuration(proxyBeanMethods = false)
    static class OwnClient {
        @Bean
        AppServerClient myClient() {
            return AppServerClient.builder().executable(Path.of("/nonexistent/bin/codex")).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnPool {
        @Bean
        AppServerPool myPool() {
            return AppServerPool.builder()
                    .member("mine", AppServerClient.builder().executable(Path.of("/nonexistent/bin/codex"))).build();
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnObserverAndHealth {
        static final ClientObserver OBSERVER = new ClientObserver() {};

        @Bean
        ClientObserver myObserver() {
            return OBSERVER;
        }

        @Bean
        CodexHealthIndicator codexHealthIndicator() {
            return CodexHealthIndicator.of(AppServerPool.builder()
                    .member("x", AppServerClient.builder().executable(Path.of("/nonexistent/bin/codex"))).build());
        }
    }

    @Test
    void theApplicationsOwnClientWinsAndIsNotStartedByTheStarter() {
        runner.withUserConfiguration(OwnClient.class).withPropertyValues(MISSING).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(AppServerClient.class).hasBean("myClient")
                    .doesNotHaveBean("codexClient").doesNotHaveBean("codexLifecycle");
            assertThat(context.getBean(AppServerClient.class).isReady()).isFalse();
            assertThat(context.getBean(CodexHealthIndicator.class).health().getStatus().getCode()).isEqualTo("DOWN");
        });
    }

    @Test
    void theApplicationsOwnPoolWinsOverPoolProperties() {
        runner.withUserConfiguration(OwnPool.class).withPropertyValues(MISSING, "codex.pool.size=3").run(context ->
                assertThat(context).hasNotFailed().hasSingleBean(AppServerPool.class).hasBean("myPool")
                        .doesNotHaveBean("codexPool").doesNotHaveBean("codexLifecycle")
                        .doesNotHaveBean(AppServerClient.class));
    }

    @Test
    void theApplicationsObserverAndHealthIndicatorWin() {
        runner.withUserConfiguration(OwnObserverAndHealth.class)
                .withPropertyValues(MISSING, "codex.fail-fast=false").run(context -> {
                    assertThat(context).hasNotFailed();
                    assertThat(context.getBean(ClientObserver.class)).isSameAs(OwnObserverAndHealth.OBSERVER);
                    assertThat(context.getBeansOfType(CodexHealthIndicator.class)).containsOnlyKeys(
                            "codexHealthIndicator");
                    Health health = context.getBean(CodexHealthIndicator.class).health();
                    assertThat(health.getDetails()).containsKey("members"); // the pool's, not the client's
                });
    }

    @Test
    void withMicrometerTheObserverIsMicrometersAndWithoutItNone() {
        runner.withPropertyValues(MISSING, "codex.fail-fast=false").run(context ->
                assertThat(context.getBean(ClientObserver.class)).isInstanceOf(MicrometerObservations.class));
        runner.withPropertyValues(MISSING, "codex.fail-fast=false", "codex.observations.enabled=false").run(context ->
                assertThat(context).hasNotFailed().doesNotHaveBean(ClientObserver.class));
    }

    @Configuration(proxyBeanMethods = false)
    static class RecordingCustomizer {
        final List<String> customized = new CopyOnWriteArrayList<>();

        @Bean
        CodexClientCustomizer customizer() {
            return (member, builder) -> customized.add(String.valueOf(member));
        }
    }

    @Test
    void customizersSeeEachBuilderOfThePoolByMemberName() {
        runner.withUserConfiguration(RecordingCustomizer.class)
                .withPropertyValues(MISSING, "codex.fail-fast=false", "codex.pool.size=2").run(context -> {
                    assertThat(context.getBean(RecordingCustomizer.class).customized)
                            .containsExactly("codex-0", "codex-1");
                    assertThat(context.getBean(AppServerPool.class).health()).extracting(MemberHealth::name)
                            .containsExactly("codex-0", "codex-1");
                    assertThat(context.getBean(CodexHealthIndicator.class).health().getStatus().getCode())
                            .isEqualTo("DOWN");
                });
    }

    @Test
    void twoEndpointsAreAPoolOfTwoAndAPoolSizeThatDisagreesIsRefused() {
        runner.withPropertyValues("codex.endpoints=ws://127.0.0.1:1,ws://127.0.0.1:2", "codex.token=tok-4c1d",
                "codex.fail-fast=false").run(context ->
                        assertThat(context.getBean(AppServerPool.class).health()).extracting(MemberHealth::name)
                                .containsExactly("codex-0", "codex-1"));
        runner.withPropertyValues("codex.endpoints=ws://127.0.0.1:1,ws://127.0.0.1:2", "codex.pool.size=3")
                .run(context -> assertThat(context.getStartupFailure()).hasStackTraceContaining(
                        "codex.pool.size is 3 but 2 codex.endpoints are given"));
    }

    @Test
    void disabledConfiguresNothing() {
        runner.withPropertyValues(MISSING, "codex.enabled=false").run(context ->
                assertThat(context).hasNotFailed().doesNotHaveBean(AppServerClient.class)
                        .doesNotHaveBean(AppServerPool.class).doesNotHaveBean(CodexHealthIndicator.class));
    }

    @Test
    void aClientThatCannotStartFailsTheApplicationNamingWhy() {
        runner.withPropertyValues(MISSING).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).hasStackTraceContaining("codex client did not start: cannot start "
                    + "codex app-server: cannot start /nonexistent/bin/codex app-server");
        });
    }

    @Test
    void withoutFailFastTheApplicationStartsAndHealthSaysDown() {
        runner.withPropertyValues(MISSING, "codex.fail-fast=false").run(context -> {
            assertThat(context).hasNotFailed().hasBean("codexClient");
            assertThat(context.getBean(CodexHealthIndicator.class).health().getStatus().getCode()).isEqualTo("DOWN");
        });
    }
}
