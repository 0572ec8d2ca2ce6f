package dev.codex4j.spring.boot;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.observation.MicrometerObservations;
import dev.codex4j.appserver.observation.PoolMetrics;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.rpc.ClientObserver;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;

/**
 * Auto-configures codex from the {@code codex.*} properties ({@link CodexProperties}): one
 * {@link AppServerClient}, or an {@link AppServerPool} when {@code codex.pool.size} is above 1 or several
 * {@code codex.endpoints} are given; started with the application context and closed with it. Approvals come
 * from the application's {@link ApprovalDecisions} bean ({@link ApprovalDecisions#declineAll()} when there is
 * none); with Micrometer and an {@code ObservationRegistry} bean the client reports to it
 * ({@link MicrometerObservations}); with {@code spring-boot-health}, a {@code codex} health indicator. Every bean
 * backs off when the application defines its own of that type.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnProperty(prefix = "codex", name = "enabled", havingValue = "true", matchIfMissing = true)
@EnableConfigurationProperties(CodexProperties.class)
public class CodexAutoConfiguration {

    static CodexClients clients(CodexProperties properties, ObjectProvider<ApprovalDecisions> approvals,
            ObjectProvider<ClientObserver> observer, ObjectProvider<CodexClientCustomizer> customizers) {
        return new CodexClients(properties, approvals.getIfUnique(ApprovalDecisions::declineAll),
                observer.getIfUnique(ClientObserver::none), customizers.orderedStream().toList());
    }

    /** One client: {@code codex.pool.size} 1 and at most one endpoint. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(CodexMode.Single.class)
    static class SingleClientConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean({AppServerClient.class, AppServerPool.class})
        AppServerClient codexClient(CodexProperties properties, ObjectProvider<ApprovalDecisions> approvals,
                ObjectProvider<ClientObserver> observer, ObjectProvider<CodexClientCustomizer> customizers) {
            return clients(properties, approvals, observer, customizers).client();
        }

        /** Starts and closes the auto-configured client only: a client of the application's own is its to start. */
        @Bean
        @ConditionalOnBean(name = "codexClient", type = "dev.codex4j.appserver.AppServerClient")
        @ConditionalOnMissingBean(name = "codexLifecycle")
        CodexLifecycle codexLifecycle(AppServerClient client, CodexProperties properties) {
            return new CodexLifecycle("client", client.start(), client, properties.getStartupTimeout(),
                    properties.isFailFast());
        }
    }

    /** A pool: {@code codex.pool.size} above 1, or several endpoints. */
    @Configuration(proxyBeanMethods = false)
    @Conditional(CodexMode.Pooled.class)
    static class PoolConfiguration {

        @Bean(destroyMethod = "close")
        @ConditionalOnMissingBean({AppServerPool.class, AppServerClient.class})
        AppServerPool codexPool(CodexProperties properties, ObjectProvider<ApprovalDecisions> approvals,
                ObjectProvider<ClientObserver> observer, ObjectProvider<CodexClientCustomizer> customizers) {
            return clients(properties, approvals, observer, customizers).pool();
        }

        /** Starts and closes the auto-configured pool only. */
        @Bean
        @ConditionalOnBean(name = "codexPool", type = "dev.codex4j.appserver.pool.AppServerPool")
        @ConditionalOnMissingBean(name = "codexLifecycle")
        CodexLifecycle codexLifecycle(AppServerPool pool, CodexProperties properties) {
            return new CodexLifecycle("pool", pool.start(), pool, properties.getStartupTimeout(),
                    properties.isFailFast());
        }
    }

    /** Micrometer observations, with counters and summaries when a MeterRegistry is there too. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass({ObservationRegistry.class, MeterRegistry.class})
    @ConditionalOnBean(ObservationRegistry.class)
    @ConditionalOnProperty(prefix = "codex.observations", name = "enabled", havingValue = "true",
            matchIfMissing = true)
    static class ObservationsWithMetersConfiguration {

        @Bean
        @ConditionalOnMissingBean(ClientObserver.class)
        ClientObserver codexObserver(ObservationRegistry observations, ObjectProvider<MeterRegistry> meters) {
            MeterRegistry meterRegistry = meters.getIfUnique();
            return meterRegistry == null ? MicrometerObservations.of(observations)
                    : MicrometerObservations.of(observations, meterRegistry);
        }
    }

    /** Micrometer observations without micrometer-core. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(ObservationRegistry.class)
    @ConditionalOnMissingClass("io.micrometer.core.instrument.MeterRegistry")
    @ConditionalOnBean(ObservationRegistry.class)
    @ConditionalOnProperty(prefix = "codex.observations", name = "enabled", havingValue = "true",
            matchIfMissing = true)
    static class ObservationsConfiguration {

        @Bean
        @ConditionalOnMissingBean(ClientObserver.class)
        ClientObserver codexObserver(ObservationRegistry observations) {
            return MicrometerObservations.of(observations);
        }
    }

    /** Gauges over the pool's members. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(MeterRegistry.class)
    @Conditional(CodexMode.Pooled.class)
    static class PoolMetricsConfiguration {

        @Bean
        @ConditionalOnMissingBean
        PoolMetrics codexPoolMetrics(AppServerPool pool) {
            return new PoolMetrics(pool);
        }
    }

    /** The {@code codex} health indicator of the client. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("codex")
    @Conditional(CodexMode.Single.class)
    static class ClientHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "codexHealthIndicator")
        CodexHealthIndicator codexHealthIndicator(AppServerClient client) {
            return CodexHealthIndicator.of(client);
        }
    }

    /** The {@code codex} health indicator of the pool, per member. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnClass(HealthIndicator.class)
    @ConditionalOnEnabledHealthIndicator("codex")
    @Conditional(CodexMode.Pooled.class)
    static class PoolHealthConfiguration {

        @Bean
        @ConditionalOnMissingBean(name = "codexHealthIndicator")
        CodexHealthIndicator codexHealthIndicator(AppServerPool pool) {
            return CodexHealthIndicator.of(pool);
        }
    }
}
