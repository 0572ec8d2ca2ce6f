package dev.codex4j.appserver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.w3c.dom.Element;
import org.w3c.dom.Node;

/** codex4j's version comes from the build (pom.xml), not from a constant kept by hand. */
@Timeout(30)
class VersionTest {

    private static final Path PROJECT = Path.of(System.getProperty("codex4j.project.dir", "."));

    @Test
    void theVersionIsThePomsProjectVersion() throws Exception {
        assertThat(Version.CURRENT).isEqualTo(pomVersion()).doesNotContain("${");
    }

    @Test
    void theDefaultClientInfoCarriesIt() {
        assertThat(AppServerClient.builder()).extracting("clientInfo").extracting("version").isEqualTo(Version.CURRENT);
    }

    @Test
    void aMissingResourceFailsClearly() {
        assertThatThrownBy(() -> Version.read("/dev/codex4j/appserver/no-such.properties"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("cannot tell its own version").hasMessageContaining("no-such.properties");
    }

    private static String pomVersion() throws Exception {
        Element project = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(PROJECT.resolve("pom.xml").toFile()).getDocumentElement();
        for (Node child = project.getFirstChild(); child != null; child = child.getNextSibling()) {
            if ("version".equals(child.getNodeName())) {
                return child.getTextContent().strip();
            }
        }
        throw new AssertionError("pom.xml has no project version");
    }
}
