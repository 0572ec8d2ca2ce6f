package dev.codex4j.appserver.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

/**
 * One end of the Unix-domain socket between a test ({@link FakeAppServerRelay}) and a {@link FakeAppServer}
 * started with {@code --relay}: whole lines, each ended by {@code '\n'}, in both directions.
 *
 * <p>Reads and writes go straight to the channel, which locks them separately: one thread may wait for a line
 * while others write. (The streams of {@code Channels.newInputStream}/{@code newOutputStream} would share one
 * lock on JDK 17, so a waiting read would hold up every write.)
 */
final class RelayChannel implements AutoCloseable {

    private final SocketChannel channel;
    private final ByteBuffer readBuffer = ByteBuffer.allocate(8192).flip();
    private final Object writeLock = new Object();

    RelayChannel(SocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to the socket a test listens on. */
    static RelayChannel connect(Path socket) throws IOException {
        SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        channel.connect(UnixDomainSocketAddress.of(socket));
        return new RelayChannel(channel);
    }

    /** Writes {@code line} and a newline as one whole message; safe from several threads. */
    void writeLine(byte[] line) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(line.length + 1).put(line).put((byte) '\n').flip();
        synchronized (writeLock) {
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }

    /** The next line without its newline, or {@code null} at the end of the stream; from one thread only. */
    byte[] readLine() throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        while (true) {
            while (readBuffer.hasRemaining()) {
                byte b = readBuffer.get();
                if (b == '\n') {
                    return line.toByteArray();
                }
                line.write(b);
            }
            readBuffer.clear();
            int n = channel.read(readBuffer);
            readBuffer.flip();
            if (n < 0) {
                return line.size() > 0 ? line.toByteArray() : null;
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
