package dev.codex4j.appserver.transport;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Cuts a byte stream into lines at {@code '\n'} (dropping a preceding {@code '\r'}) without decoding it, so
 * a multi-byte UTF-8 character split across reads is reassembled intact. Lines that fit inside one read are
 * handed over in place; only a line spanning reads is copied. Not thread-safe: one reader feeds it.
 */
final class LineFramer implements StreamReader.Framer {

    /** Receives framed lines; the bytes are valid only during the call. */
    @FunctionalInterface
    public interface LineSink {
        void line(byte[] buffer, int offset, int length);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long NEWLINES = 0x0A0A0A0A0A0A0A0AL;

    private final int maxLineBytes;
    private byte[] partial = new byte[0];
    private int partialLength;
    private int resumeAt;

    /** @param maxLineBytes the longest line accepted; a longer one makes {@link #feed} throw */
    public LineFramer(int maxLineBytes) {
        if (maxLineBytes < 1) {
            throw new IllegalArgumentException("maxLineBytes must be positive: " + maxLineBytes);
        }
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Frames {@code length} bytes from {@code chunk}, calling {@code sink} for each complete non-blank line.
     *
     * @throws LineTooLongException when a line exceeds the maximum; the framer must not be used afterwards
     */
    public void feed(byte[] chunk, int offset, int length, LineSink sink) {
        int end = offset + length;
        int start = offset;
        for (int i = indexOfNewline(chunk, start, end); i >= 0; i = indexOfNewline(chunk, start, end)) {
            resumeAt = i + 1;
            if (partialLength == 0) {
                emit(chunk, start, i - start, sink);
            } else {
                append(chunk, start, i - start);
                int lineLength = partialLength;
                partialLength = 0; // nothing is held back once this line is out, even while the sink runs
                emit(partial, 0, lineLength, sink);
                if (partial.length > 1 << 20) {
                    partial = new byte[0]; // do not keep a huge buffer alive after one huge line
                }
            }
            start = i + 1;
        }
        if (start < end) {
            append(chunk, start, end - start);
        }
    }

    /**
     * The index of the first {@code '\n'} in {@code [from, to)}, or -1. Eight bytes at a time: the framer
     * looks at every byte the server sends, and a byte-by-byte loop was a quarter of the reader's time.
     * For {@code x} = the word XOR newlines, {@code (x - 0x01..01) & ~x & 0x80..80} flags the zero bytes of
     * {@code x}; a borrow can flag a byte only above a true zero, so the lowest flag (little-endian: the first
     * byte in the array) is exact.
     */
    static int indexOfNewline(byte[] bytes, int from, int to) {
        int i = from;
        for (; i <= to - Long.BYTES; i += Long.BYTES) {
            long x = (long) LONGS.get(bytes, i) ^ NEWLINES;
            long zeros = (x - 0x0101010101010101L) & ~x & 0x8080808080808080L;
            if (zeros != 0) {
                return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    /**
     * While the sink is handling a line: the index in the chunk being fed just past that line's newline,
     * where framing goes on. A reader that takes over from one held in the sink feeds the chunk from there
     * to a fresh framer: during a sink call no unfinished line is held back.
     */
    public int resumeAt() {
        return resumeAt;
    }

    /** Bytes of an unfinished line held back, waiting for its newline. */
    public int pendingBytes() {
        return partialLength;
    }

    private void emit(byte[] buffer, int offset, int length, LineSink sink) {
        if (length > maxLineBytes) {
            throw new LineTooLongException(length, maxLineBytes);
        }
        if (length > 0 && buffer[offset + length - 1] == '\r') {
            length--;
        }
        if (!isBlank(buffer, offset, length)) {
            sink.line(buffer, offset, length);
        }
    }

    private void append(byte[] chunk, int offset, int length) {
        long needed = (long) partialLength + length;
        if (needed > maxLineBytes) {
            throw new LineTooLongException(needed, maxLineBytes);
        }
        if (needed > partial.length) {
            int capacity = (int) Math.min(Math.max(needed, Math.max(8192L, partial.length * 2L)), maxLineBytes);
            partial = Arrays.copyOf(partial, capacity);
        }
        System.arraycopy(chunk, offset, partial, partialLength, length);
        partialLength = (int) needed;
    }

    /** Only spaces, tabs and line breaks (a WebSocket message may hold a {@code '\n'}; a line cannot). */
    static boolean isBlank(byte[] buffer, int offset, int length) {
        for (int i = offset; i < offset + length; i++) {
            byte b = buffer[i];
            if (b != ' ' && b != '\t' && b != '\r' && b != '\n') {
                return false;
            }
        }
        return true;
    }
}
