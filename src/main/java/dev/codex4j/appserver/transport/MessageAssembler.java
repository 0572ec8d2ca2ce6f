package dev.codex4j.appserver.transport;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Joins the parts in which the JDK's WebSocket delivers one message (a 6.6 MB frame from codex arrives in about
 * 400) into its UTF-8 bytes, refusing to hold more than a maximum. One per kind of message (text, binary), used by
 * one thread at a time.
 */
final class MessageAssembler {

    private final int maxBytes;
    private byte[] buffer = new byte[0];
    private int length;
    /** A high surrogate that ended the last part, kept for the low one that begins the next. */
    private char pendingHigh;

    MessageAssembler(int maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Adds a part of a text message.
     *
     * @return the whole message once {@code last}, else {@code null}
     * @throws LineTooLongException once the message exceeds the maximum (the parts so far are dropped)
     */
    byte[] addText(CharSequence part, boolean last) {
        if (last && length == 0 && pendingHigh == 0) { // the usual case: a message in one part
            byte[] whole = part.toString().getBytes(StandardCharsets.UTF_8);
            check(whole.length);
            return whole;
        }
        CharSequence chars = part;
        if (pendingHigh != 0) {
            chars = pendingHigh + part.toString();
            pendingHigh = 0;
        }
        int end = chars.length();
        if (!last && end > 0 && Character.isHighSurrogate(chars.charAt(end - 1))) {
            pendingHigh = chars.charAt(end - 1); // encoded with its partner, or it would become '?'
            end--;
        }
        append(chars.subSequence(0, end).toString().getBytes(StandardCharsets.UTF_8));
        return last ? take() : null;
    }

    /** Adds a part of a binary message; {@link #addText} otherwise. */
    byte[] addBinary(ByteBuffer part, boolean last) {
        byte[] bytes = new byte[part.remaining()];
        part.get(bytes);
        if (last && length == 0) {
            check(bytes.length);
            return bytes;
        }
        append(bytes);
        return last ? take() : null;
    }

    private void append(byte[] bytes) {
        long needed = (long) length + bytes.length;
        if (needed > maxBytes) {
            reset();
            throw new LineTooLongException(needed, maxBytes);
        }
        if (needed > buffer.length) {
            buffer = Arrays.copyOf(buffer, (int) Math.min(maxBytes, Math.max(needed, Math.max(8192L, 2L * buffer.length))));
        }
        System.arraycopy(bytes, 0, buffer, length, bytes.length);
        length = (int) needed;
    }

    private byte[] take() {
        byte[] whole = Arrays.copyOf(buffer, length);
        reset();
        return whole;
    }

    private void reset() {
        length = 0;
        pendingHigh = 0;
        buffer = new byte[0]; // a 100 MB message must not stay held
    }

    private void check(int bytes) {
        if (bytes > maxBytes) {
            throw new LineTooLongException(bytes, maxBytes);
        }
    }

    /** Empty or only spaces, tabs and line breaks: like a blank line over stdio, not delivered. */
    static boolean isBlank(byte[] message) {
        for (byte b : message) {
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
