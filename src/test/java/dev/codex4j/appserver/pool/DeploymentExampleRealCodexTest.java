package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.rpc.AppServerStartException;
import dev.codex4j.appserver.rpc.RestartPolicy;
import dev.codex4j.appserver.testing.Futures;
import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.thread.ThreadOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The deployment example in docs/deploy: the Kubernetes manifest and the Dockerfile hang together, and the real
 * pinned codex serves a pool member when started with exactly the manifest's arguments (only the listen address
 * and the token file moved to loopback and a temporary file). No Docker engine or cluster is involved.
 */
@Timeout(120)
class DeploymentExampleRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path DEPLOY = Path.of(System.getProperty("codex4j.project.dir", System.getProperty("user.dir")),
            "docs", "deploy");
    /** Every instruction a Dockerfile may use (Docker's reference; MAINTAINER is deprecated and left out). */
    private static final Set<String> DOCKERFILE_INSTRUCTIONS = Set.of("FROM", "RUN", "CMD", "LABEL", "EXPOSE", "ENV",
            "ADD", "COPY", "ENTRYPOINT", "VOLUME", "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK",
            "SHELL");
    private static final Pattern LISTENING = Pattern.compile("listening on: (ws://\\S+)");
    private static final Pattern ANSI = Pattern.compile("\u001B\\[[;\\d]*m");

    private static List<JsonNode> manifest() throws IOException {
        try (var documents = new YAMLMapper().readerFor(JsonNode.class)
                .<JsonNode>readValues(DEPLOY.resolve("codex-app-server.yaml").toFile())) {
            return documents.readAll();
        }
    }

    private static JsonNode ofKind(List<JsonNode> documents, String kind) {
        return documents.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + kind + " in the manifest"));
    }

    private static JsonNode container(List<JsonNode> documents) {
        JsonNode containers = ofKind(documents, "StatefulSet").at("/spec/template/spec/containers");
        assertThat(containers.size()).as("containers").isEqualTo(1);
        return containers.get(0);
    }

    /** The container's command line: command, then args. */
    private static List<String> commandLine(JsonNode container) {
        List<String> line = new ArrayList<>(strings(container.path("command")));
        line.addAll(strings(container.path("args")));
        return line;
    }

    private static List<String> strings(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static String valueAfter(List<String> line, String flag) {
        int at = line.indexOf(flag);
        assertThat(at).as(flag + " in " + line).isNotNegative().isLessThan(line.size() - 1);
        return line.get(at + 1);
    }

    private static JsonNode named(JsonNode array, String name) {
        return StreamSupport.stream(array.spliterator(), false).filter(n -> n.path("name").asText().equals(name))
                .findFirst().orElseThrow(() -> new AssertionError("nothing named '" + name + "' in " + array));
    }

    private static String pinnedVersion() {
        return System.getProperty("codex4j.codex.version", "0.169.0");
    }

    @Test
    void theManifestsServiceStatefulSetPortsProbesSecretAndVolumeAgree() throws IOException {
        List<JsonNode> documents = manifest();
        assertThat(documents).extracting(d -> d.path("apiVersion").asText() + " " + d.path("kind").asText())
                .containsExactly("v1 Service", "apps/v1 StatefulSet");
        JsonNode service = ofKind(documents, "Service");
        JsonNode statefulSet = ofKind(documents, "StatefulSet");
        JsonNode podLabels = statefulSet.at("/spec/template/metadata/labels");
        JsonNode container = container(documents);
        List<String> line = commandLine(container);

        // headless, selecting exactly the StatefulSet's pods, which name it as their governing service
        assertThat(service.at("/spec/clusterIP").asText()).isEqualTo("None");
        assertThat(statefulSet.at("/spec/serviceName").asText()).isEqualTo(service.at("/metadata/name").asText());
        service.at("/spec/selector").fields().forEachRemaining(label ->
                assertThat(podLabels.path(label.getKey())).as("pod label " + label.getKey()).isEqualTo(label.getValue()));
        assertThat(statefulSet.at("/spec/selector/matchLabels")).isEqualTo(service.at("/spec/selector"));

        // one port: the --listen argument, the container port the Service targets, the Service's own port
        assertThat(line.subList(0, 2)).containsExactly("codex", "app-server");
        URI listen = URI.create(valueAfter(line, "--listen"));
        assertThat(listen.getScheme()).isEqualTo("ws");
        assertThat(listen.getHost()).isEqualTo("0.0.0.0");
        JsonNode servicePort = service.at("/spec/ports/0");
        JsonNode containerPort = named(container.path("ports"), servicePort.path("targetPort").asText());
        assertThat(containerPort.path("containerPort").asInt()).isEqualTo(listen.getPort());
        assertThat(servicePort.path("port").asInt()).isEqualTo(listen.getPort());

        // ready once codex listens
        JsonNode readiness = container.at("/readinessProbe/httpGet");
        assertThat(readiness.path("path").asText()).isEqualTo("/readyz");
        assertThat(readiness.path("port").asText()).isIn(containerPort.path("name").asText(),
                Integer.toString(listen.getPort()));

        // the token file is the Secret's key, mounted read-only where --ws-token-file points
        assertThat(valueAfter(line, "--ws-auth")).isEqualTo("capability-token");
        Path tokenFile = Path.of(valueAfter(line, "--ws-token-file"));
        JsonNode tokenMount = StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
                .filter(m -> Path.of(m.path("mountPath").asText()).equals(tokenFile.getParent())).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at " + tokenFile.getParent()));
        assertThat(tokenMount.path("readOnly").asBoolean()).isTrue();
        JsonNode secret = named(statefulSet.at("/spec/template/spec/volumes"), tokenMount.path("name").asText())
                .path("secret");
        assertThat(secret.path("secretName").asText()).isNotBlank();
        assertThat(secret.path("items").findValuesAsText("path")).containsExactly(tokenFile.getFileName().toString());

        // CODEX_HOME is on the volume each pod claims
        String codexHome = named(container.path("env"), "CODEX_HOME").path("value").asText();
        JsonNode homeMount = StreamSupport.stream(container.path("volumeMounts").spliterator(), false)
                .filter(m -> m.path("mountPath").asText().equals(codexHome)).findFirst()
                .orElseThrow(() -> new AssertionError("nothing mounted at CODEX_HOME " + codexHome));
        assertThat(statefulSet.at("/spec/volumeClaimTemplates").findValuesAsText("name"))
                .contains(homeMount.path("name").asText());

        assertThat(container.path("image").asText()).endsWith(":" + pinnedVersion());
    }

    @Test
    void theDockerfileUsesOnlyDockerInstructionsAndRunsWhatTheManifestRuns() throws IOException {
        List<String[]> instructions = dockerfileInstructions(Files.readString(DEPLOY.resolve("Dockerfile")));
        List<String> line = commandLine(container(manifest()));

        assertThat(instructions).extracting(i -> i[0]).allSatisfy(keyword -> assertThat(DOCKERFILE_INSTRUCTIONS)
                .as("Dockerfile instruction").contains(keyword));
        assertThat(instructions).extracting(i -> i[0]).filteredOn(k -> !k.equals("ARG")).first().isEqualTo("FROM");
        ObjectMapper json = new ObjectMapper();
        List<String> entrypoint = new ArrayList<>(List.of(json.readValue(argument(instructions, "ENTRYPOINT"),
                String[].class)));
        entrypoint.addAll(List.of(json.readValue(argument(instructions, "CMD"), String[].class)));
        assertThat(entrypoint).isEqualTo(line);
        assertThat(argument(instructions, "EXPOSE")).isEqualTo(Integer.toString(URI.create(valueAfter(line,
                "--listen")).getPort()));
        assertThat(argument(instructions, "ARG")).isEqualTo("CODEX_VERSION=" + pinnedVersion());
        assertThat(instructions).filteredOn(i -> i[0].equals("RUN")).extracting(i -> i[1])
                .anyMatch(run -> run.contains("npm install --global") && run.contains("\"@openai/codex@${CODEX_VERSION}\""));
        assertThat(argument(instructions, "ENV")).isEqualTo("CODEX_HOME="
                + named(container(manifest()).path("env"), "CODEX_HOME").path("value").asText());
    }

    /** Each instruction as {keyword, rest}: comments and blank lines dropped, continued lines joined. */
    private static List<String[]> dockerfileInstructions(String dockerfile) {
        List<String[]> instructions = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String raw : dockerfile.split("\n")) {
            String text = raw.strip();
            if (text.startsWith("#") || (text.isEmpty() && current.length() == 0)) {
                continue;
            }
            boolean continues = text.endsWith("\\");
            current.append(continues ? text.substring(0, text.length() - 1) : text).append(' ');
            if (!continues) {
                String whole = current.toString().strip();
                int space = whole.indexOf(' ');
                assertThat(space).as("an instruction with arguments: " + whole).isPositive();
                instructions.add(new String[] {whole.substring(0, space), whole.substring(space + 1).strip()});
                current.setLength(0);
            }
        }
        assertThat(current.length()).as("a continued last line").isZero();
        return instructions;
    }

    private static String argument(List<String[]> instructions, String keyword) {
        List<String> found = instructions.stream().filter(i -> i[0].equals(keyword)).map(i -> i[1]).toList();
        assertThat(found).as(keyword + " instructions").hasSize(1);
        return found.get(0);
    }

    @Test
    void thePinnedCodexStartedWithTheManifestsArgumentsServesAPoolMemberWithItsBearerToken() throws Exception {
        List<String> line = new ArrayList<>(commandLine(container(manifest())));
        try (RealCodex codex = RealCodex.forModelAt("http://127.0.0.1:9/v1")) {
            // in the config file, not on the command line: the plugin sync would reach for the network
            Files.writeString(codex.codexHome().resolve("config.toml"), "[features]\nplugins = false\n");
            String token = UUID.randomUUID().toString();
            Path tokenFile = Files.writeString(codex.home().resolve("token"), token + "\n");
            line.set(0, codex.executable().toString());
            line.set(line.indexOf("--listen") + 1, "ws://127.0.0.1:0");
            line.set(line.indexOf("--ws-token-file") + 1, tokenFile.toString());
            ProcessBuilder builder = new ProcessBuilder(line).directory(codex.workspace().toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().clear();
            builder.environment().putAll(codex.environment());
            Process process = builder.start();
            try {
                URI uri = Futures.await(listeningUri(process), WAIT);
                awaitReady(URI.create("http://127.0.0.1:" + uri.getPort() + "/readyz"));

                // a pool member pointed at it as docs/deploy/README.md points one at a pod
                try (AppServerPool pool = AppServerPool.builder().member("codex-0", AppServerClient.builder()
                        .webSocket(uri).bearerToken(token).requestTimeout(WAIT)
                        .restartOnCrash(RestartPolicy.of(1, Duration.ofSeconds(1), Duration.ofSeconds(1)))).build()) {
                    pool.start().block(WAIT);
                    assertThat(pool.client("codex-0").initializeResponse().codexHome())
                            .isEqualTo(codex.codexHome().toString());
                    assertThat(pool.startThread(ThreadOptions.defaults()).block(WAIT).member()).isEqualTo("codex-0");
                }
                try (AppServerClient wrong = AppServerClient.builder().webSocket(uri).bearerToken("not-the-token")
                        .build()) {
                    assertThatThrownBy(() -> wrong.start().block(WAIT)).isInstanceOf(AppServerStartException.class)
                            .hasMessageContaining("401");
                }
                assertThat(process.isAlive()).isTrue();
            } finally {
                process.destroy(); // SIGTERM ends it at once (docs/codex-facts.md)
                process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS);
            }
        }
    }

    /** The {@code listening on:} address codex prints to stderr; the rest of stderr is read and dropped. */
    private static CompletableFuture<URI> listeningUri(Process process) {
        CompletableFuture<URI> uri = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String l = err.readLine(); l != null; l = err.readLine()) {
                    Matcher listening = LISTENING.matcher(ANSI.matcher(l).replaceAll(""));
                    if (listening.find()) {
                        uri.complete(URI.create(listening.group(1)));
                    }
                }
                uri.completeExceptionally(new AssertionError("codex exited without listening"));
            } catch (IOException e) {
                uri.completeExceptionally(new UncheckedIOException(e));
            }
        }, "codex-stderr");
        reader.setDaemon(true);
        reader.start();
        return uri;
    }

    /** Waits until {@code readyz} answers 200, as the manifest's readiness probe does. */
    private static void awaitReady(URI readyz) throws InterruptedException {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + WAIT.toNanos();
        int status = -1;
        while (status != 200) {
            assertThat(System.nanoTime()).as("/readyz never answered 200 (last: " + status + ")").isLessThan(deadline);
            try {
                status = http.send(HttpRequest.newBuilder(readyz).timeout(Duration.ofSeconds(2)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                status = -1;
            }
            if (status != 200) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50)); // a probe, as the kubelet's: no event to await
            }
        }
    }
}
