package dev.codex4j.appserver.transport;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Cuts what an app-server sends over a WebSocket into messages (RFC 6455, section 5): a text or binary message,
 * its fragments joined, is one message, handed over as its bytes (text is not decoded: it is UTF-8 JSON, which the
 * client parses from bytes, and a malformed one is skipped there like any bad message); control frames go to its
 * {@link ControlFrames}. A message that fits in one read is handed over in place; only one spanning reads or
 * fragments is copied. Blank messages are not handed over.
 *
 * <p>The server is not trusted to be well-formed: a frame that breaks the protocol (a masked one, reserved bits
 * set, an unknown opcode, a fragmented or oversized control frame, a continuation without a start, a close frame
 * with a code no endpoint may send or a reason that is not UTF-8) fails the connection with a
 * {@link WebSocketProtocolException}, and a message whose declared length takes it over the maximum fails it with
 * a {@link LineTooLongException} before any of its payload is buffered. Nothing after the server's close frame is
 * read. Not thread-safe: one reader feeds it.
 */
final class WebSocketFramer implements StreamReader.Framer {

    /** The control frames the server sends, called on the reader in wire order with the messages. */
    interface ControlFrames {
        /** A ping: answer it with a pong carrying {@code payload}. */
        void ping(byte[] payload) throws IOException;

        /** The server's close frame: {@code code} 1005 when it gave none. Nothing is framed after it. */
        void close(int code, String reason) throws IOException;
    }

    /** A connection-failing breach of RFC 6455 by the server. */
    static final class WebSocketProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        WebSocketProtocolException(String message) {
            super(message);
        }
    }

    static final int CONTINUATION = 0x0;
    static final int TEXT = 0x1;
    static final int BINARY = 0x2;
    static final int CLOSE = 0x8;
    static final int PING = 0x9;
    static final int PONG = 0xA;
    /** Close code for "no status code was present" (never sent on the wire). */
    static final int NO_STATUS = 1005;

    private final int maxMessageBytes;
    private final ControlFrames control;

    /** The header being read when it spans reads (at most 10 bytes: a server's frames carry no mask). */
    private final byte[] header = new byte[10];
    private int headerLength;
    /** Whether a header has been read and its payload is being read. */
    private boolean inPayload;
    private int opcode;
    private boolean fin;
    private long payloadLeft;
    /** Whether a fragmented message has begun and not ended. */
    private boolean inMessage;
    /** The message so far, when it spans reads or fragments. */
    private byte[] partial = new byte[0];
    private int partialLength;
    /** A control frame's payload (at most 125 bytes). */
    private final byte[] controlPayload = new byte[125];
    private int controlLength;
    private int resumeAt;
    private boolean closed;

    WebSocketFramer(int maxMessageBytes, ControlFrames control) {
        this.maxMessageBytes = maxMessageBytes;
        this.control = control;
    }

    @Override
    public void feed(byte[] chunk, int offset, int length, LineFramer.LineSink sink) throws IOException {
        int i = offset;
        int end = offset + length;
        while (i < end && !closed) {
            if (!inPayload) {
                i = readHeader(chunk, i, end);
                if (inPayload && payloadLeft == 0) {
                    i = payloadDone(chunk, i, i, 0, sink);
                }
                continue;
            }
            int n = (int) Math.min(payloadLeft, end - i);
            if (opcode >= CLOSE) {
                System.arraycopy(chunk, i, controlPayload, controlLength, n);
                controlLength += n;
            } else if (!(fin && partialLength == 0 && n == payloadLeft)) {
                append(chunk, i, n); // the message spans reads or fragments
            }
            payloadLeft -= n;
            i += n;
            if (payloadLeft == 0) {
                i = payloadDone(chunk, i - n, i, n, sink);
            }
        }
    }

    @Override
    public int resumeAt() {
        return resumeAt;
    }

    /** Reads (the rest of) a header from {@code chunk[i, end)}; returns the index after what it took. */
    private int readHeader(byte[] chunk, int i, int end) throws IOException {
        if (headerLength == 0 && end - i >= 2 && end - i >= headerSize(chunk[i + 1])) {
            int size = headerSize(chunk[i + 1]);
            parseHeader(chunk, i);
            return i + size;
        }
        int wanted = headerLength < 2 ? 2 : headerSize(header[1]);
        int n = Math.min(wanted - headerLength, end - i);
        System.arraycopy(chunk, i, header, headerLength, n);
        headerLength += n;
        if (headerLength >= 2 && headerLength == headerSize(header[1])) {
            parseHeader(header, 0);
            headerLength = 0;
        }
        return i + n;
    }

    /** The header's size by its second byte; a mask key is not counted (a masked frame fails as it is parsed). */
    private static int headerSize(byte second) {
        int length = second & 0x7f;
        return 2 + (length == 126 ? 2 : length == 127 ? 8 : 0);
    }

    private void parseHeader(byte[] b, int at) throws IOException {
        int first = b[at] & 0xff;
        int second = b[at + 1] & 0xff;
        if ((first & 0x70) != 0) {
            throw new WebSocketProtocolException("a frame with reserved bits set (no extension was agreed)");
        }
        if ((second & 0x80) != 0) {
            throw new WebSocketProtocolException("a masked frame (a server must not mask its frames)");
        }
        long length = second & 0x7f;
        if (length == 126) {
            length = ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
        } else if (length == 127) {
            length = 0;
            for (int k = 2; k < 10; k++) {
                length = (length << 8) | (b[at + k] & 0xff);
            }
            if (length < 0) {
                throw new WebSocketProtocolException("a frame length over 2^63");
            }
        }
        int op = first & 0x0f;
        boolean last = (first & 0x80) != 0;
        switch (op) {
            case TEXT, BINARY -> {
                if (inMessage) {
                    throw new WebSocketProtocolException("a new message began before the fragmented one ended");
                }
            }
            case CONTINUATION -> {
                if (!inMessage) {
                    throw new WebSocketProtocolException("a continuation frame with no message to continue");
                }
            }
            case CLOSE, PING, PONG -> {
                if (!last || length > 125) {
                    throw new WebSocketProtocolException("a control frame fragmented or over 125 bytes");
                }
            }
            default -> throw new WebSocketProtocolException("a frame with the unknown opcode " + op);
        }
        if (op < CLOSE) {
            long total = partialLength + length;
            if (total > maxMessageBytes) { // by its declared length, before any of it is buffered
                partialLength = 0;
                throw new LineTooLongException(total, maxMessageBytes);
            }
            inMessage = !last;
        } else {
            controlLength = 0;
        }
        opcode = op;
        fin = last;
        payloadLeft = length;
        inPayload = true;
    }

    /**
     * A frame's payload is complete; {@code n} bytes of it ended at {@code to} in {@code chunk}. Hands on a whole
     * message (in place when the frame was all of it and all in this chunk), or passes a control frame on.
     */
    private int payloadDone(byte[] chunk, int from, int to, int n, LineFramer.LineSink sink) throws IOException {
        inPayload = false;
        resumeAt = to;
        if (opcode >= CLOSE) {
            controlFrame();
            return to;
        }
        if (!fin) {
            return to; // a fragment: the message goes on
        }
        if (partialLength == 0) {
            emit(chunk, from, n, sink);
        } else {
            int length = partialLength;
            partialLength = 0; // nothing is held back once this message is out, even while the sink runs
            emit(partial, 0, length, sink);
            if (partial.length > 1 << 20) {
                partial = new byte[0]; // do not keep a huge buffer alive after one huge message
            }
        }
        return to;
    }

    private void controlFrame() throws IOException {
        switch (opcode) {
            case PING -> control.ping(Arrays.copyOf(controlPayload, controlLength));
            case CLOSE -> {
                closed = true;
                if (controlLength == 1) {
                    throw new WebSocketProtocolException("a close frame with a one-byte payload");
                }
                int code = controlLength == 0 ? NO_STATUS
                        : ((controlPayload[0] & 0xff) << 8) | (controlPayload[1] & 0xff);
                if (controlLength >= 2 && !sendable(code)) { // the client would echo it onto the wire
                    throw new WebSocketProtocolException("a close frame with close code " + code
                            + ", which no endpoint may send");
                }
                String reason;
                try {
                    reason = controlLength <= 2 ? "" : StandardCharsets.UTF_8.newDecoder()
                            .decode(ByteBuffer.wrap(controlPayload, 2, controlLength - 2)).toString();
                } catch (CharacterCodingException e) {
                    throw new WebSocketProtocolException("a close frame whose reason is not UTF-8");
                }
                control.close(code, reason);
            }
            default -> { } // a pong: that something arrived is all that counts (the reader noted it)
        }
    }

    /**
     * Whether a close frame may carry {@code code} (RFC 6455, section 7.4): the defined codes but 1004 and those
     * that stand for no frame (1005, 1006, 1015), the IANA-registered 1012 to 1014, and 3000 to 4999.
     */
    private static boolean sendable(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    private static void emit(byte[] buffer, int offset, int length, LineFramer.LineSink sink) {
        if (!LineFramer.isBlank(buffer, offset, length)) {
            sink.line(buffer, offset, length);
        }
    }

    private void append(byte[] chunk, int offset, int length) {
        int needed = partialLength + length; // within maxMessageBytes: checked against the declared length
        if (needed > partial.length) {
            int capacity = (int) Math.min(Math.max(needed, Math.max(8192L, partial.length * 2L)), maxMessageBytes);
            partial = Arrays.copyOf(partial, capacity);
        }
        System.arraycopy(chunk, offset, partial, partialLength, length);
        partialLength = needed;
    }
}
