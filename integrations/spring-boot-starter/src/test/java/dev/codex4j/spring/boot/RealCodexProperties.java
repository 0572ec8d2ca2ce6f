package dev.codex4j.spring.boot;

import dev.codex4j.appserver.testing.RealCodex;
import java.util.ArrayList;
import java.util.List;

/** The {@code codex.*} properties that make the starter spawn a test's real codex, as the core tests' builder does. */
final class RealCodexProperties {

    private RealCodexProperties() {}

    static String[] of(RealCodex codex, String... more) {
        List<String> properties = new ArrayList<>(List.of(
                "codex.executable=" + codex.executable(),
                "codex.home=" + codex.codexHome(),
                "codex.working-directory=" + codex.workspace(),
                "codex.request-timeout=30s",
                "codex.startup-timeout=30s"));
        List<String> arguments = codex.appServerArguments(); // -c key=value, pairwise
        for (int i = 1; i < arguments.size(); i += 2) {
            String pair = arguments.get(i);
            int eq = pair.indexOf('=');
            properties.add("codex.config[" + pair.substring(0, eq) + "]=" + pair.substring(eq + 1));
        }
        properties.addAll(List.of(more));
        return properties.toArray(String[]::new);
    }

    /** The codex processes this JVM spawned. */
    static List<ProcessHandle> codexProcesses() {
        return ProcessHandle.current().children().filter(p -> p.info().command().orElse("").endsWith("codex"))
                .filter(ProcessHandle::isAlive).toList();
    }
}
