package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.CharBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link MessageAssembler}: text parts encoded straight to UTF-8, as {@code String.getBytes} would, cut anywhere. */
@Timeout(30)
class MessageAssemblerTest {

    private static final char[] ALPHABET = {'a', '{', '"', 'é', 'ß', '€', '中', '\uD83D', '\uDE00', '\uDC00', '\uD800', '\n'};

    @Test
    void textCutAnywhereEncodesAsStringGetBytesIncludingSurrogatePairsAcrossPartsAndLoneSurrogates() {
        Random random = new Random(16);
        MessageAssembler assembler = new MessageAssembler(1 << 20);
        for (int round = 0; round < 2000; round++) {
            char[] chars = new char[random.nextInt(40)];
            for (int i = 0; i < chars.length; i++) {
                chars[i] = ALPHABET[random.nextInt(ALPHABET.length)];
            }
            String text = new String(chars);
            boolean whole = false;
            int from = 0;
            while (!whole) {
                int to = Math.min(text.length(), from + random.nextInt(6));
                boolean last = to == text.length() && random.nextInt(4) > 0;
                whole = assembler.addText(CharBuffer.wrap(text, from, to), last);
                assertThat(whole).isEqualTo(last);
                from = to;
            }
            byte[] expected = text.getBytes(StandardCharsets.UTF_8);
            assertThat(Arrays.copyOf(assembler.bytes(), assembler.length())).as("%s", text).isEqualTo(expected);
            assertThat(assembler.take()).isEqualTo(expected);
        }
    }

    @Test
    void aMessageInPlaceIsForgottenAtTheNextPartAndALargeBufferIsLetGo() {
        MessageAssembler assembler = new MessageAssembler(1 << 20);
        assertThat(assembler.addText("{\"a\":1}", true)).isTrue();
        assertThat(assembler.addText("{\"b\"", false)).isFalse();
        assertThat(assembler.addText(":2}", true)).isTrue();
        assertThat(new String(assembler.bytes(), 0, assembler.length(), StandardCharsets.UTF_8)).isEqualTo("{\"b\":2}");

        assertThat(assembler.addText("x".repeat(200_000), true)).isTrue();
        assembler.clear();
        assertThat(assembler.bytes().length).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void aMessageOverTheMaximumFailsAndTheNextStartsAfresh() {
        MessageAssembler assembler = new MessageAssembler(10);
        assertThat(assembler.addText("12345", false)).isFalse();
        assertThatThrownBy(() -> assembler.addText("678€", true)).isInstanceOf(LineTooLongException.class)
                .hasMessageContaining("maximum of 10 bytes");
        assertThatThrownBy(() -> assembler.addText("€".repeat(4), true)).isInstanceOf(LineTooLongException.class)
                .hasMessageContaining("at least 12 bytes");
        assertThat(assembler.addText("€€€", true)).isTrue();
        assertThat(assembler.length()).isEqualTo(9);
    }
}
