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

    @Test
    void findsTheFirstNewlineAtEveryPositionOfAWordAndAcrossWords() {
        // every byte value around the newline: 0x0B and 0x09 differ from it by one bit, 0x8A only in the top bit
        byte[] fillers = {0, 1, 0x09, 0x0B, (byte) 0x8A, (byte) 0xFF, 'x'};
        for (byte filler : fillers) {
            for (int length = 0; length <= 40; length++) {
                for (int newline = -1; newline < length; newline++) {
                    for (int from = 0; from <= Math.min(length, 9); from++) {
                        byte[] bytes = new byte[length];
                        java.util.Arrays.fill(bytes, filler);
                        if (newline >= 0) {
                            bytes[newline] = '\n';
                            if (newline + 1 < length) {
                                bytes[newline + 1] = '\n'; // a second one right after must not win
                            }
                        }
                        int expected = -1;
                        for (int i = length - 1; i >= from; i--) {
                            expected = bytes[i] == '\n' ? i : expected; // the byte-by-byte answer
                        }
                        assertThat(LineFramer.indexOfNewline(bytes, from, length))
                                .as("filler %d, length %d, newline at %d, from %d", filler, length, newline, from)
                                .isEqualTo(expected);
                    }
                }
            }
        }
    }

    @Test
    void framesTheSameLinesWhateverTheChunkBoundaries() {
        String text = "{\"id\":1}\n\n{\"method\":\"a\",\"params\":{\"t\":\"\u00e9\u4e16\"}}\r\n  \n{\"x\":[1,2]}\n";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        for (int chunk = 1; chunk <= bytes.length; chunk++) {
            lines.clear();
            LineFramer fresh = new LineFramer(64);
            for (int at = 0; at < bytes.length; at += chunk) {
                fresh.feed(bytes, at, Math.min(chunk, bytes.length - at),
                        (b, o, l) -> lines.add(new String(b, o, l, StandardCharsets.UTF_8)));
            }
            assertThat(lines).as("chunks of %d", chunk).containsExactly("{\"id\":1}",
                    "{\"method\":\"a\",\"params\":{\"t\":\"\u00e9\u4e16\"}}", "{\"x\":[1,2]}");
        }
    }
}
