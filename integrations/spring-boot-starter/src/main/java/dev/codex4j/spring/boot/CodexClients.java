package dev.codex4j.spring.boot;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import dev.codex4j.appserver.approval.ApprovalDecisions;
import dev.codex4j.appserver.pool.AppServerPool;
import dev.codex4j.appserver.rpc.ClientObserver;
import dev.codex4j.appserver.rpc.RestartPolicy;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Turns {@link CodexProperties} into client builders: the single client's, or each pool member's. */
final class CodexClients {

    private final CodexProperties properties;
    private final ApprovalDecisions approvals;
    private final ClientObserver observer;
    private final List<CodexClientCustomizer> customizers;

    CodexClients(CodexProperties properties, ApprovalDecisions approvals, ClientObserver observer,
            List<CodexClientCustomizer> customizers) {
        this.properties = properties;
        this.approvals = approvals;
        this.observer = observer;
        this.customizers = customizers;
    }

    AppServerClient client() {
        List<URI> endpoints = properties.getEndpoints();
        return builder(null, endpoints.isEmpty() ? null : endpoints.get(0)).build();
    }

    AppServerPool pool() {
        CodexProperties.Pool settings = properties.getPool();
        AppServerPool.Builder pool = AppServerPool.builder()
                .maxTurnsPerMember(settings.getMaxTurnsPerMember())
                .maxQueuedTurnsPerMember(settings.getMaxQueuedTurnsPerMember())
                .queueTimeout(settings.getQueueTimeout());
        List<URI> endpoints = properties.getEndpoints();
        if (!endpoints.isEmpty() && settings.getSize() > 1 && settings.getSize() != endpoints.size()) {
            throw new IllegalStateException("codex.pool.size is " + settings.getSize() + " but " + endpoints.size()
                    + " codex.endpoints are given: with endpoints each one is a pool member; leave codex.pool.size "
                    + "unset");
        }
        int members = endpoints.isEmpty() ? settings.getSize() : endpoints.size();
        // spawned members on one CODEX_HOME share its thread storage: any of them can take over a dead one's threads
        String storage = endpoints.isEmpty() && properties.getHome() != null ? "codex-home" : null;
        for (int i = 0; i < members; i++) {
            String name = "codex-" + i;
            pool.member(name, builder(name, endpoints.isEmpty() ? null : endpoints.get(i)), null, storage);
        }
        return pool.build();
    }

    private AppServerClientBuilder builder(String member, URI endpoint) {
        AppServerClientBuilder builder = AppServerClient.builder()
                .approvals(approvals)
                .observations(observer)
                .requestTimeout(properties.getRequestTimeout())
                .restartOnCrash(restartPolicy());
        if (endpoint != null) {
            builder.webSocket(endpoint);
            if (properties.getToken() != null && !properties.getToken().isEmpty()) {
                builder.bearerToken(properties.getToken());
            }
        } else {
            spawned(builder);
        }
        customizers.forEach(c -> c.customize(member, builder));
        return builder;
    }

    private void spawned(AppServerClientBuilder builder) {
        if (properties.getExecutable() != null) {
            builder.executable(properties.getExecutable());
        }
        if (properties.getHome() != null) {
            builder.environment(Map.of("CODEX_HOME", properties.getHome().toString()));
        }
        if (properties.getWorkingDirectory() != null) {
            builder.workingDirectory(properties.getWorkingDirectory());
        }
        if (!properties.getConfig().isEmpty()) {
            List<String> arguments = new ArrayList<>();
            properties.getConfig().forEach((key, value) -> {
                arguments.add("-c");
                arguments.add(key + "=" + value);
            });
            builder.arguments(arguments);
        }
    }

    private RestartPolicy restartPolicy() {
        CodexProperties.Restart restart = properties.getRestart();
        return restart.getMaxRestarts() <= 0 ? RestartPolicy.none()
                : RestartPolicy.of(restart.getMaxRestarts(), restart.getInitialBackoff(), restart.getMaxBackoff());
    }
}
