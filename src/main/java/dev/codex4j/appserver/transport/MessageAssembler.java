package dev.codex4j.appserver.transport;

import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * Joins the parts in which the JDK's WebSocket delivers one message (a 6.6 MB frame from codex arrives in about
 * 400) into its UTF-8 bytes, refusing to hold more than a maximum. Text is encoded straight from the JDK's
 * {@code CharSequence} into one reused buffer: no {@code String} and no array per part. One per kind of message
 * (text, binary), used by one thread at a time.
 */
final class MessageAssembler {

    /** A buffer up to this size is kept for the next message; a larger one is let go (a 100 MB message must not stay held). */
    private static final int KEPT_BYTES = 64 * 1024;

    private final int maxBytes;
    private byte[] buffer = new byte[1024];
    private int length;
    /** Whether {@link #length} bytes are a whole message, to be taken or {@link #clear}ed before the next part. */
    private boolean whole;
    /** A high surrogate that ended the last part, kept for the low one that begins the next. */
    private char pendingHigh;

    MessageAssembler(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Adds a part of a text message, encoded as UTF-8 (a lone surrogate as {@code '?'}, as {@code String.getBytes}
     * does).
     *
     * @return whether the message is whole: then {@link #bytes()} holds its {@link #length()} bytes
     * @throws LineTooLongException once the message exceeds the maximum (the parts so far are dropped)
     */
    boolean addText(CharSequence part, boolean last) {
        startPart();
        int end = part.length();
        int i = 0;
        if (pendingHigh != 0 && end > 0) {
            char high = pendingHigh;
            pendingHigh = 0;
            if (Character.isLowSurrogate(part.charAt(0))) {
                ensure(4, end);
                length = putCodePoint(Character.toCodePoint(high, part.charAt(0)), buffer, length);
                i = 1;
            } else {
                ensure(1, end);
                buffer[length++] = '?';
            }
        }
        if (!last && end > i && Character.isHighSurrogate(part.charAt(end - 1))) {
            pendingHigh = part.charAt(end - 1); // encoded with its partner, or it would become '?'
            end--;
        } else if (last && pendingHigh != 0) { // the last part was empty
            pendingHigh = 0;
            ensure(1, 0);
            buffer[length++] = '?';
        }
        encode(part, i, end);
        return finishPart(last);
    }

    /** Adds a part of a binary message; {@link #addText} otherwise. */
    boolean addBinary(ByteBuffer part, boolean last) {
        startPart();
        int n = part.remaining();
        ensure(n, 0);
        part.get(buffer, length, n);
        length += n;
        return finishPart(last);
    }

    /** The whole message's bytes, {@code [0, length())}, valid until the next part or {@link #clear}. */
    byte[] bytes() {
        return buffer;
    }

    int length() {
        return length;
    }

    /** The whole message, copied out; the assembler starts over. */
    byte[] take() {
        byte[] copy = Arrays.copyOf(buffer, length);
        clear();
        return copy;
    }

    /** Forgets the message (and a large buffer). */
    void clear() {
        length = 0;
        whole = false;
        pendingHigh = 0;
        if (buffer.length > KEPT_BYTES) {
            buffer = new byte[1024];
        }
    }

    /** Empty or only spaces, tabs and line breaks: like a blank line over stdio, not delivered. */
    boolean isBlank() {
        return LineFramer.isBlank(buffer, 0, length);
    }

    private void startPart() {
        if (whole) { // the previous message was delivered in place
            clear();
        }
    }

    private boolean finishPart(boolean last) {
        if (length > maxBytes) {
            long had = length;
            clear();
            throw new LineTooLongException(had, maxBytes);
        }
        whole = last;
        return last;
    }

    /** Encodes {@code chars[from, to)}, none of them a high surrogate whose partner is beyond {@code to}. */
    private void encode(CharSequence chars, int from, int to) {
        int i = from;
        while (i < to) {
            ensure(Math.min(to - i, 4096) * 3 + 1, to - i);
            byte[] out = buffer;
            int pos = length;
            int stop = Math.min(to, i + 4096);
            while (i < stop) {
                char c = chars.charAt(i++);
                if (c < 0x80) {
                    out[pos++] = (byte) c;
                } else if (c < 0x800) {
                    out[pos++] = (byte) (0xc0 | (c >> 6));
                    out[pos++] = (byte) (0x80 | (c & 0x3f));
                } else if (!Character.isSurrogate(c)) {
                    out[pos++] = (byte) (0xe0 | (c >> 12));
                    out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                    out[pos++] = (byte) (0x80 | (c & 0x3f));
                } else if (Character.isHighSurrogate(c) && i < to && Character.isLowSurrogate(chars.charAt(i))) {
                    pos = putCodePoint(Character.toCodePoint(c, chars.charAt(i++)), out, pos); // 4 bytes for 2 chars
                    if (i > stop) {
                        stop = i;
                    }
                } else {
                    out[pos++] = '?';
                }
            }
            length = pos;
        }
    }

    private static int putCodePoint(int cp, byte[] out, int pos) {
        out[pos++] = (byte) (0xf0 | (cp >> 18));
        out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        out[pos++] = (byte) (0x80 | (cp & 0x3f));
        return pos;
    }

    /**
     * Makes room for {@code bytes} more; {@code atLeast} is how many bytes what is left of the part needs at the
     * least, so a message bound to exceed the maximum fails before its buffer grows beyond it.
     */
    private void ensure(int bytes, int atLeast) {
        long lowest = (long) length + atLeast;
        if (lowest > maxBytes) {
            clear();
            throw new LineTooLongException(lowest, maxBytes);
        }
        long needed = (long) length + bytes;
        if (needed > buffer.length) {
            long grown = Math.max(needed, Math.min(2L * buffer.length, (long) maxBytes + 4));
            buffer = Arrays.copyOf(buffer, (int) Math.min(grown, Integer.MAX_VALUE - 8));
        }
    }
}
