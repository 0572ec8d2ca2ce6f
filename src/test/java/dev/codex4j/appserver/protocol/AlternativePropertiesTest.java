package dev.codex4j.appserver.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.codex4j.appserver.protocol.types.UserInput;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Objects that are "these fields plus one of those shapes" keep the fields of every shape. */
@Timeout(10)
class AlternativePropertiesTest {

    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void anImageGivenByUrlOrByFileIdKeepsWhicheverItHas() throws Exception {
        String byUrl = "{\"type\":\"image\",\"url\":\"https://example.test/a.png\"}";
        UserInput decoded = mapper.readValue(byUrl, UserInput.class);
        assertThat(decoded).isEqualTo(new UserInput.Image(null, "https://example.test/a.png", null));
        assertThat(mapper.readTree(mapper.writeValueAsString(decoded))).isEqualTo(mapper.readTree(byUrl));

        String byFile = "{\"type\":\"image\",\"fileId\":\"file-1\",\"detail\":\"high\"}";
        UserInput.Image image = (UserInput.Image) mapper.readValue(byFile, UserInput.class);
        assertThat(image.fileId()).isEqualTo("file-1");
        assertThat(mapper.readTree(mapper.writeValueAsString(image))).isEqualTo(mapper.readTree(byFile));
    }
}
