package dev.codex4j.appserver.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link WebSocketFramer} on frames as a server may send them, cut anywhere, and on frames that break RFC 6455;
 * {@link WebSocketEncoding}'s frames read back by the rules a server applies.
 */
@Timeout(30)
class WebSocketFramerTest {

    private final List<String> messages = new ArrayList<>();
    private final List<String> control = new ArrayList<>();

    private WebSocketFramer framer(int max) {
        return new WebSocketFramer(max, new WebSocketFramer.ControlFrames() {
            @Override
            public void ping(byte[] payload) {
                control.add("ping " + new String(payload, StandardCharsets.UTF_8));
            }

            @Override
            public void close(int code, String reason) {
                control.add("close " + code + " " + reason);
            }
        });
    }

    private void feed(WebSocketFramer framer, byte[] bytes, int from, int to) throws IOException {
        framer.feed(bytes, from, to - from,
                (b, off, len) -> messages.add(new String(b, off, len, StandardCharsets.UTF_8)));
    }

    /** A frame as a server sends it: unmasked, with the shortest length encoding. */
    static byte[] frame(boolean fin, int opcode, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((fin ? 0x80 : 0) | opcode);
        int n = payload.length;
        if (n < 126) {
            out.write(n);
        } else if (n <= 0xffff) {
            out.write(126);
            out.write(n >> 8);
            out.write(n);
        } else {
            out.write(127);
            for (int shift = 56; shift >= 0; shift -= 8) {
                out.write((int) ((long) n >> shift));
            }
        }
        out.writeBytes(payload);
        return out.toByteArray();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** Messages of every length encoding, fragmented ones with pings between fragments, blank ones, a pong. */
    private static final String BIG = "x".repeat(70_000);
    private static final String MID = "é".repeat(200); // 400 bytes: a 16-bit length, UTF-8 cut by the splits
    private static final byte[] STREAM = concat(
            frame(true, WebSocketFramer.TEXT, text("{\"a\":1}")),
            frame(false, WebSocketFramer.TEXT, text("{\"frag")),
            frame(true, WebSocketFramer.PING, text("p1")),
            frame(false, WebSocketFramer.CONTINUATION, text("ment")),
            frame(true, WebSocketFramer.CONTINUATION, text("ed\":2}")),
            frame(true, WebSocketFramer.TEXT, text("  ")),
            frame(true, WebSocketFramer.TEXT, new byte[0]),
            frame(true, WebSocketFramer.PONG, new byte[0]),
            frame(true, WebSocketFramer.TEXT, text(MID)),
            frame(true, WebSocketFramer.BINARY, text("{\"bin\":3}")),
            frame(true, WebSocketFramer.TEXT, text(BIG)),
            frame(true, WebSocketFramer.PING, new byte[0]),
            frame(true, WebSocketFramer.TEXT, text("{\"last\":4}")));
    private static final List<String> EXPECTED = List.of("{\"a\":1}", "{\"fragmented\":2}", MID, "{\"bin\":3}", BIG,
            "{\"last\":4}");

    @Test
    void messagesOfEveryLengthEncodingAndFragmentsArriveWholeWhereverTheStreamIsCut() throws IOException {
        WebSocketFramer whole = framer(1 << 20);
        feed(whole, STREAM, 0, STREAM.length);
        assertThat(messages).containsExactlyElementsOf(EXPECTED);
        assertThat(control).containsExactly("ping p1", "ping ");

        // cut in two at every position (the big message's payload in steps), and in random small pieces
        for (int cut = 1; cut < STREAM.length; cut += cut < 600 ? 1 : 997) {
            messages.clear();
            control.clear();
            WebSocketFramer f = framer(1 << 20);
            feed(f, STREAM, 0, cut);
            feed(f, STREAM, cut, STREAM.length);
            assertThat(messages).as("cut at %d", cut).containsExactlyElementsOf(EXPECTED);
            assertThat(control).as("cut at %d", cut).containsExactly("ping p1", "ping ");
        }
        Random random = new Random(42);
        for (int round = 0; round < 50; round++) {
            messages.clear();
            WebSocketFramer f = framer(1 << 20);
            for (int i = 0; i < STREAM.length;) {
                int n = Math.min(STREAM.length - i, 1 + random.nextInt(round % 2 == 0 ? 7 : 5000));
                feed(f, STREAM, i, i + n);
                i += n;
            }
            assertThat(messages).as("round %d", round).containsExactlyElementsOf(EXPECTED);
        }
    }

    @Test
    void aMessageInOneReadIsHandedOverInPlaceAndAFreshFramerGoesOnFromResumeAt() throws IOException {
        byte[] two = concat(frame(true, WebSocketFramer.TEXT, text("{\"one\":1}")),
                frame(true, WebSocketFramer.TEXT, text("{\"two\":2}")));
        WebSocketFramer f = framer(1024);
        List<Integer> resumeAt = new ArrayList<>();
        f.feed(two, 0, two.length, (b, off, len) -> {
            assertThat(b).isSameAs(two); // no copy
            resumeAt.add(f.resumeAt());
        });
        assertThat(resumeAt).containsExactly(11, 22);

        // a reader replacing one held in the first message's call frames the rest with a fresh framer
        feed(framer(1024), two, resumeAt.get(0), two.length);
        assertThat(messages).containsExactly("{\"two\":2}");
    }

    @Test
    void aMessageOverTheMaximumFailsByItsDeclaredLengthBeforeItsPayloadArrives() {
        byte[] header = Arrays.copyOf(frame(true, WebSocketFramer.TEXT, new byte[2000]), 4); // the header alone
        assertThatThrownBy(() -> feed(framer(1000), header, 0, header.length))
                .isInstanceOf(LineTooLongException.class).hasMessageContaining("1000");

        // fragments count together
        byte[] fragments = concat(frame(false, WebSocketFramer.TEXT, new byte[600]),
                Arrays.copyOf(frame(true, WebSocketFramer.CONTINUATION, new byte[600]), 4));
        assertThatThrownBy(() -> feed(framer(1000), fragments, 0, fragments.length))
                .isInstanceOf(LineTooLongException.class);

        // a 64-bit length near 2^63 does not overflow into a small one
        byte[] huge = {(byte) 0x81, 127, 0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
            (byte) 0xff, (byte) 0xff};
        assertThatThrownBy(() -> feed(framer(1000), huge, 0, huge.length)).isInstanceOf(LineTooLongException.class);
        byte[] negative = huge.clone();
        negative[2] = (byte) 0x80;
        assertThatThrownBy(() -> feed(framer(1000), negative, 0, negative.length))
                .isInstanceOf(WebSocketFramer.WebSocketProtocolException.class).hasMessageContaining("2^63");
    }

    @Test
    void framesThatBreakTheProtocolFailTheConnection() {
        assertBreaks(new byte[] {(byte) 0x81, (byte) 0x82, 1, 2, 3, 4, 'a' ^ 1, 'b' ^ 2}, "masked");
        assertBreaks(new byte[] {(byte) 0xC1, 1, 'a'}, "reserved bits"); // RSV1: no compression was agreed
        assertBreaks(new byte[] {(byte) 0x83, 1, 'a'}, "opcode 3");
        assertBreaks(new byte[] {(byte) 0x8B, 0}, "opcode 11");
        assertBreaks(frame(false, WebSocketFramer.PING, text("p")), "control frame");
        assertBreaks(frame(true, WebSocketFramer.PING, new byte[126]), "control frame");
        assertBreaks(frame(true, WebSocketFramer.CONTINUATION, text("x")), "continuation");
        assertBreaks(concat(frame(false, WebSocketFramer.TEXT, text("a")), frame(true, WebSocketFramer.TEXT,
                text("b"))), "before the fragmented one ended");
        assertBreaks(frame(true, WebSocketFramer.CLOSE, new byte[] {3}), "one-byte");
    }

    private void assertBreaks(byte[] bytes, String why) {
        assertThatThrownBy(() -> feed(framer(1 << 20), bytes, 0, bytes.length))
                .isInstanceOf(WebSocketFramer.WebSocketProtocolException.class).hasMessageContaining(why);
        assertThat(messages).isEmpty();
    }

    @Test
    void theCloseFrameGivesItsCodeAndReasonAndNothingAfterItIsFramed() throws IOException {
        byte[] reason = concat(new byte[] {0x03, (byte) 0xE9}, text("going away"));
        byte[] bytes = concat(frame(true, WebSocketFramer.TEXT, text("{\"before\":1}")),
                frame(true, WebSocketFramer.CLOSE, reason), frame(true, WebSocketFramer.TEXT, text("{\"after\":2}")),
                new byte[] {(byte) 0xFF, (byte) 0xFF});
        feed(framer(1024), bytes, 0, bytes.length);
        assertThat(messages).containsExactly("{\"before\":1}");
        assertThat(control).containsExactly("close 1001 going away");

        control.clear();
        byte[] bare = frame(true, WebSocketFramer.CLOSE, new byte[0]);
        feed(framer(1024), bare, 0, bare.length);
        assertThat(control).containsExactly("close 1005 ");
    }

    @Test
    void aCloseCodeNoEndpointMaySendOrAReasonThatIsNotUtf8FailsTheConnection() throws IOException {
        // 1005, 1006 and 1015 must never be on the wire (the client would echo them), the rest are unassigned
        for (int code : new int[] {0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535}) {
            assertBreaks(frame(true, WebSocketFramer.CLOSE, WebSocketEncoding.closePayload(code)), "close code " + code);
        }
        assertBreaks(frame(true, WebSocketFramer.CLOSE, new byte[] {0x03, (byte) 0xE8, (byte) 0xC3, 0x28}), "UTF-8");

        for (int code : new int[] {1000, 1003, 1007, 1011, 1014, 3000, 4999}) {
            byte[] close = frame(true, WebSocketFramer.CLOSE, WebSocketEncoding.closePayload(code));
            feed(framer(1024), close, 0, close.length);
        }
        assertThat(control).containsExactly("close 1000 ", "close 1003 ", "close 1007 ", "close 1011 ", "close 1014 ",
                "close 3000 ", "close 4999 ");
    }

    @Test
    void theClientsFramesAreMaskedTextFramesThatUnmaskToTheMessage() {
        WebSocketEncoding encoding = new WebSocketEncoding();
        for (int n : new int[] {0, 1, 7, 8, 125, 126, 127, 65_535, 65_536, 70_001}) {
            byte[] message = new byte[n];
            new Random(n).nextBytes(message);
            byte[] out = new byte[encoding.maxFramedLength(message) + 3];
            int end = encoding.frame(message, out, 3);

            assertThat(out[3] & 0xff).as("FIN and text").isEqualTo(0x81);
            assertThat(out[4] & 0x80).as("mask bit").isEqualTo(0x80);
            int length7 = out[4] & 0x7f;
            int at = 5;
            long length = length7;
            if (length7 == 126) {
                length = ((out[5] & 0xff) << 8) | (out[6] & 0xff);
                at = 7;
            } else if (length7 == 127) {
                length = 0;
                for (int k = 0; k < 8; k++) {
                    length = (length << 8) | (out[5 + k] & 0xff);
                }
                at = 13;
            }
            assertThat(length).as("length of %d", n).isEqualTo(n);
            assertThat(length7).as("shortest length encoding").isEqualTo(n < 126 ? n : n <= 0xffff ? 126 : 127);
            byte[] key = Arrays.copyOfRange(out, at, at + 4);
            byte[] payload = Arrays.copyOfRange(out, at + 4, end);
            for (int i = 0; i < payload.length; i++) { // unmasked byte by byte, as RFC 6455 5.3 says
                payload[i] ^= key[i % 4];
            }
            assertThat(payload).as("payload of %d", n).isEqualTo(message);
        }
    }

    @Test
    void masksDifferFromFrameToFrame() {
        WebSocketEncoding encoding = new WebSocketEncoding();
        java.util.Set<String> keys = new java.util.HashSet<>();
        for (int i = 0; i < 100; i++) {
            byte[] ping = encoding.controlFrame(WebSocketFramer.PING, new byte[0]);
            assertThat(ping).hasSize(6);
            assertThat(ping[0] & 0xff).isEqualTo(0x89);
            keys.add(Arrays.toString(Arrays.copyOfRange(ping, 2, 6)));
        }
        assertThat(keys).hasSizeGreaterThan(95);
    }
}
