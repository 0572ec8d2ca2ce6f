package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.codex4j.appserver.codegen.ProtocolGenerator;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java names the generator gives schema definitions (checked on the committed generated sources). */
class CodegenTypeNamesTest {
    private static final Path PROJECT = Path.of(System.getProperty("codex4j.project.dir", "."));
    private static final String TYPES_DIR = "dev/codex4j/appserver/protocol/types/";

    private static Map<String, String> generated;

    @BeforeAll
    static void readGeneratedSources() throws IOException {
        generated = ProtocolGenerator.committed(PROJECT.resolve("src/main/java"));
    }

    @Test
    void noGeneratedTypeShadowsAJavaLangType() {
        List<String> shadowing = generated.keySet().stream()
                .map(path -> path.substring(path.lastIndexOf('/') + 1, path.length() - ".java".length()))
                .filter(CodegenTypeNamesTest::isPublicJavaLangType)
                .toList();

        assertThat(shadowing).as("generated types named like a java.lang type (rename them in codegen/Names)").isEmpty();
    }

    @Test
    void theSchemasThreadIsThreadSnapshotAndItsJavadocSaysSo() {
        assertThat(generated).doesNotContainKey(TYPES_DIR + "Thread.java");
        assertThat(generated.get(TYPES_DIR + "ThreadSnapshot.java"))
                .contains("public record ThreadSnapshot(")
                .contains("The schema calls this type {@code Thread}");
        assertThat(generated.get(TYPES_DIR + "ThreadStartedNotification.java"))
                .contains("ThreadStartedNotification(ThreadSnapshot thread)");
    }

    private static boolean isPublicJavaLangType(String simpleName) {
        try {
            return Modifier.isPublic(Class.forName("java.lang." + simpleName, false, null).getModifiers());
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
