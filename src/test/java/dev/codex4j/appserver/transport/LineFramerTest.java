package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LineFramerTest {

    private final List<String> lines = new ArrayList<>();
    private final LineFramer framer = new LineFramer(64);

    private void feed(byte[] bytes) {
        framer.feed(bytes, 0, bytes.length, (b, o, l) -> lines.add(new String(b, o, l, StandardCharsets.UTF_8)));
    }

    private void feed(String s) {
        feed(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void splitsSeveralLinesInOneChunk() {
        feed("{\"a\":1}\n{\"b\":2}\n");
        assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}");
        assertThat(framer.pendingBytes()).isZero();
    }

    @Test
    void joinsALineSpreadOverChunks() {
        feed("{\"a\":");
        feed("1");
        assertThat(lines).isEmpty();
        feed("}\n{\"b\"");
        assertThat(lines).containsExactly("{\"a\":1}");
        feed(":2}\n");
        assertThat(lines).containsExactly("{\"a\":1}", "{\"b\":2}");
    }

    @Test
    void reassemblesAUtf8CharacterSplitAcrossReads() {
        byte[] bytes = "{\"t\":\"é€😀\"}\n".getBytes(StandardCharsets.UTF_8);
        for (byte b : bytes) {
            feed(new byte[] {b});
        }
        assertThat(lines).containsExactly("{\"t\":\"é€😀\"}");
    }

    @Test
    void dropsCarriageReturnsAndBlankLines() {
        feed("{}\r\n\n   \n\r\n{\"x\":1}\n");
        assertThat(lines).containsExactly("{}", "{\"x\":1}");
    }

    @Test
    void keepsUnicodeLineSeparatorsInsideALine() {
        feed("{\"t\":\"a\u2028b\u2029c\"}\n");
        assertThat(lines).containsExactly("{\"t\":\"a\u2028b\u2029c\"}");
    }

    @Test
    void failsOnALineLongerThanTheMaximum() {
        assertThatThrownBy(() -> feed("x".repeat(65) + "\n")).isInstanceOf(LineTooLongException.class)
                .hasMessageContaining("maximum of 64 bytes");
    }

    @Test
    void failsOnAnUnterminatedLineThatOutgrowsTheMaximum() {
        feed("x".repeat(40));
        assertThatThrownBy(() -> feed("x".repeat(40))).isInstanceOf(LineTooLongException.class);
    }

    @Test
    void acceptsALineOfExactlyTheMaximum() {
        feed("y".repeat(30));
        feed("y".repeat(34) + "\n");
        assertThat(lines).containsExactly("y".repeat(64));
    }
}
