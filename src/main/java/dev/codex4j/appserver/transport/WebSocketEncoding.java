package dev.codex4j.appserver.transport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.security.SecureRandom;

/**
 * Frames what a client sends over a WebSocket (RFC 6455, section 5): each message one unfragmented text frame,
 * masked as a client's frames must be, and the control frames (ping, pong, close). One per connection: its
 * {@link StreamWriter} frames messages with it, its reader control frames.
 *
 * <p>Masks are drawn from {@link SecureRandom}, as RFC 6455 (section 10.3) asks, 64 at a time: one call per 64
 * messages rather than one per message.
 */
final class WebSocketEncoding implements StreamWriter.Encoding {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final int MAX_HEADER = 14;

    private static final SecureRandom ENTROPY = new SecureRandom();
    private static final int MASKS_PER_DRAW = 64;

    /** Masks drawn and not yet used, big-endian, 4 bytes each; {@link #nextMask} takes them in turn. */
    private final byte[] masks = new byte[4 * MASKS_PER_DRAW];
    private int nextMask = MASKS_PER_DRAW;

    @Override
    public int maxFramedLength(byte[] message) {
        return message.length + MAX_HEADER;
    }

    @Override
    public int frame(byte[] message, byte[] out, int at) {
        return frame(WebSocketFramer.TEXT, message, message.length, out, at);
    }

    /** A masked control frame ({@code opcode} ping, pong or close) carrying {@code payload} (at most 125 bytes). */
    byte[] controlFrame(int opcode, byte[] payload) {
        byte[] out = new byte[payload.length + 6];
        frame(opcode, payload, payload.length, out, 0);
        return out;
    }

    /** A close frame's payload: {@code code}, big-endian. */
    static byte[] closePayload(int code) {
        return new byte[] {(byte) (code >> 8), (byte) code};
    }

    private int frame(int opcode, byte[] payload, int length, byte[] out, int at) {
        int p = at;
        out[p++] = (byte) (0x80 | opcode); // FIN: never fragmented
        if (length < 126) {
            out[p++] = (byte) (0x80 | length);
        } else if (length <= 0xffff) {
            out[p++] = (byte) (0x80 | 126);
            out[p++] = (byte) (length >> 8);
            out[p++] = (byte) length;
        } else {
            out[p++] = (byte) (0x80 | 127);
            long l = length;
            for (int shift = 56; shift >= 0; shift -= 8) {
                out[p++] = (byte) (l >> shift);
            }
        }
        int mask = nextMask();
        out[p++] = (byte) (mask >> 24);
        out[p++] = (byte) (mask >> 16);
        out[p++] = (byte) (mask >> 8);
        out[p++] = (byte) mask;
        System.arraycopy(payload, 0, out, p, length);
        mask(out, p, length, mask);
        return p + length;
    }

    /** The next masking key; synchronized, since the reader frames control frames outside the writer's lock. */
    private synchronized int nextMask() {
        if (nextMask == MASKS_PER_DRAW) {
            ENTROPY.nextBytes(masks);
            nextMask = 0;
        }
        int at = 4 * nextMask++;
        return ((masks[at] & 0xff) << 24) | ((masks[at + 1] & 0xff) << 16) | ((masks[at + 2] & 0xff) << 8)
                | (masks[at + 3] & 0xff);
    }

    /** XORs {@code bytes[from, from + length)} with the 4-byte {@code mask}, repeated: eight bytes at a time. */
    static void mask(byte[] bytes, int from, int length, int mask) {
        long wide = ((long) mask << 32) | (mask & 0xffffffffL);
        int i = from;
        int end = from + length;
        for (; i <= end - Long.BYTES; i += Long.BYTES) {
            LONGS.set(bytes, i, (long) LONGS.get(bytes, i) ^ wide);
        }
        for (int k = i - from; i < end; i++, k++) {
            bytes[i] ^= (byte) (mask >> (24 - 8 * (k & 3)));
        }
    }
}
