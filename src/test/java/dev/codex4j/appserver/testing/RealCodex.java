package dev.codex4j.appserver.testing;

import dev.codex4j.appserver.AppServerClient;
import dev.codex4j.appserver.AppServerClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Everything needed to run the pinned real {@code codex app-server} hermetically against a
 * {@link ScriptedModel}: the binary, a fresh temporary {@code CODEX_HOME}, {@code HOME} and workspace,
 * the {@code -c} flags that point codex at the scripted model, and a scrubbed environment.
 *
 * <p>Nothing of the developer's {@code ~/.codex}, API keys or proxies reaches the run, and codex attempts
 * no network access beyond the loopback model. {@link #close()} deletes the temporary directories, so close
 * it after the codex process has exited.
 *
 * <pre>{@code
 * try (var model = ScriptedModel.start(); var codex = RealCodex.forModel(model)) {
 *     Process process = codex.processBuilder().start();
 *     ...
 * }
 * }</pre>
 */
public final class RealCodex implements AutoCloseable {

    /** System property naming the codex executable (set by the build to {@code <project>/.tools/codex}). */
    public static final String EXECUTABLE_PROPERTY = "codex4j.codex.executable";
    /** Environment variable naming the codex executable, used when the system property is absent. */
    public static final String EXECUTABLE_ENV = "CODEX_EXECUTABLE";
    /** The model name sent to the scripted model; codex warns that it has no metadata for it, which is harmless. */
    public static final String MODEL = "mock-model";

    private final Path executable;
    private final Path root;
    private final Path home;
    private final Path codexHome;
    private final Path workspace;
    private final Map<String, String> config = new LinkedHashMap<>();

    private RealCodex(Path executable, Path root, String modelBaseUrl) throws IOException {
        this.executable = executable;
        this.root = root;
        this.home = Files.createDirectory(root.resolve("home"));
        this.codexHome = Files.createDirectory(root.resolve("codex-home"));
        this.workspace = Files.createDirectory(root.resolve("workspace"));

        config.put("model_provider", "\"mock\"");
        config.put("model_providers.mock", "{name=\"scripted model\",base_url=" + tomlString(modelBaseUrl)
                + ",wire_api=\"responses\",request_max_retries=0,stream_max_retries=0}");
        config.put("model", tomlString(MODEL));
        config.put("approval_policy", "\"on-request\"");
        config.put("sandbox_mode", "\"read-only\"");
        // On by default, the curated-plugin sync contacts github.com and chatgpt.com at startup.
        config.put("features.plugins", "false");
        // On by default, a connection failure to the model is retried forever ("Reconnecting...")
        // despite request_max_retries=0; off, the turn fails at once.
        config.put("features.unbounded_connection_retries", "false");
    }

    /** A fixture whose codex talks to {@code model}. */
    public static RealCodex forModel(ScriptedModel model) {
        return forModelAt(model.baseUrl());
    }

    /** A fixture whose codex talks to a Responses API at {@code modelBaseUrl}, e.g. {@code http://127.0.0.1:4711/v1}. */
    public static RealCodex forModelAt(String modelBaseUrl) {
        Path executable = resolveExecutable();
        try {
            Path root = Files.createTempDirectory("codex4j-real-codex-").toRealPath();
            return new RealCodex(executable, root, modelBaseUrl);
        } catch (IOException e) {
            throw new UncheckedIOException("could not create temporary directories for codex", e);
        }
    }

    /**
     * The pinned codex binary: system property {@value #EXECUTABLE_PROPERTY}, else {@code $CODEX_EXECUTABLE},
     * else {@code <project>/.tools/codex}.
     *
     * @throws IllegalStateException naming the path tried and how to install codex, if it is not executable
     */
    public static Path resolveExecutable() {
        String fromProperty = System.getProperty(EXECUTABLE_PROPERTY);
        String fromEnv = System.getenv(EXECUTABLE_ENV);
        Path candidate;
        String source;
        if (fromProperty != null && !fromProperty.isBlank()) {
            candidate = Path.of(fromProperty);
            source = "system property " + EXECUTABLE_PROPERTY;
        } else if (fromEnv != null && !fromEnv.isBlank()) {
            candidate = Path.of(fromEnv);
            source = "$" + EXECUTABLE_ENV;
        } else {
            String projectDir = System.getProperty("codex4j.project.dir", System.getProperty("user.dir"));
            candidate = Path.of(projectDir, ".tools", "codex");
            source = "default location";
        }
        if (!Files.isRegularFile(candidate) || !Files.isExecutable(candidate)) {
            throw new IllegalStateException("No codex executable at " + candidate.toAbsolutePath() + " (" + source
                    + "). Run scripts/install-codex.sh from the project root to install the pinned codex, or point -D"
                    + EXECUTABLE_PROPERTY + " or $" + EXECUTABLE_ENV + " at a codex binary.");
        }
        return candidate.toAbsolutePath();
    }

    /**
     * Sets or replaces one config value, written as TOML ({@code "\"never\""}, {@code "false"}, {@code "{a=1}"}).
     * Example: {@code withConfig("approval_policy", "\"never\"")}.
     */
    public RealCodex withConfig(String key, String tomlValue) {
        config.put(key, tomlValue);
        return this;
    }

    /** The codex binary this fixture runs. */
    public Path executable() {
        return executable;
    }

    /** The temporary {@code CODEX_HOME} (config, sessions, sqlite state). */
    public Path codexHome() {
        return codexHome;
    }

    /** The temporary {@code HOME}, so the user's shell profile and skills stay out of the run. */
    public Path home() {
        return home;
    }

    /** The temporary workspace: the process working directory and so the thread's default {@code cwd}. */
    public Path workspace() {
        return workspace;
    }

    /** The arguments to pass after {@code app-server}: one {@code -c key=value} pair per config entry. */
    public List<String> appServerArguments() {
        List<String> arguments = new ArrayList<>();
        config.forEach((key, value) -> {
            arguments.add("-c");
            arguments.add(key + "=" + value);
        });
        return List.copyOf(arguments);
    }

    /**
     * A client builder set up to spawn this codex: its executable and arguments, only its own environment
     * (never the user's), and its workspace as the working directory.
     */
    public AppServerClientBuilder clientBuilder() {
        return AppServerClient.builder().executable(executable).arguments(appServerArguments())
                .environment(environment()).inheritEnvironment(false).workingDirectory(workspace);
    }

    /** The full command line: the executable, {@code app-server}, then {@link #appServerArguments()}. */
    public List<String> command() {
        List<String> command = new ArrayList<>();
        command.add(executable.toString());
        command.add("app-server");
        command.addAll(appServerArguments());
        return List.copyOf(command);
    }

    /**
     * The complete environment for the codex process, meant to replace (not extend) the inherited one:
     * this JVM's environment without variables that could leak credentials or redirect traffic
     * ({@code CODEX_*}, {@code *OPENAI*}, {@code *_PROXY}), plus {@code CODEX_HOME} and {@code HOME}
     * pointing at the temporary directories.
     */
    public Map<String, String> environment() {
        Map<String, String> environment = new HashMap<>(System.getenv());
        environment.keySet().removeIf(RealCodex::mustNotBeInherited);
        environment.put("CODEX_HOME", codexHome.toString());
        environment.put("HOME", home.toString());
        return environment;
    }

    /** A process builder for {@code codex app-server} with {@link #command()}, {@link #environment()} and the workspace as its directory. */
    public ProcessBuilder processBuilder() {
        ProcessBuilder builder = new ProcessBuilder(command()).directory(workspace.toFile());
        builder.environment().clear();
        builder.environment().putAll(environment());
        return builder;
    }

    /**
     * Deletes the temporary directories; call after the codex process has exited. A few passes: a child that
     * a {@code kill -9}ed codex left behind may still write a file (a shell snapshot) while the first runs.
     */
    @Override
    public void close() {
        for (int pass = 1; ; pass++) {
            try {
                deleteAll();
                return;
            } catch (UncheckedIOException e) {
                if (pass == 5) {
                    throw e;
                }
            }
        }
    }

    private void deleteAll() {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("could not list " + root + " for deletion", e);
        }
        IOException failure = null;
        for (Path path : paths) {
            try {
                Files.deleteIfExists(path);
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw new UncheckedIOException("could not delete all of " + root, failure);
        }
    }

    private static boolean mustNotBeInherited(String name) {
        String upper = name.toUpperCase(Locale.ROOT);
        // CODEX_* includes CODEX_API_KEY, CODEX_ACCESS_TOKEN, CODEX_SQLITE_HOME and CODEX_EXEC_SERVER_URL;
        // proxies matter because codex sends even the loopback model request through HTTP(S)_PROXY.
        return upper.startsWith("CODEX_") || upper.contains("OPENAI") || upper.endsWith("_PROXY");
    }

    private static String tomlString(String value) {
        StringBuilder quoted = new StringBuilder("\"");
        for (char c : value.toCharArray()) {
            switch (c) {
                case '"' -> quoted.append("\\\"");
                case '\\' -> quoted.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        quoted.append(String.format("\\u%04x", (int) c));
                    } else {
                        quoted.append(c);
                    }
                }
            }
        }
        return quoted.append('"').toString();
    }
}
