package dev.codex4j.appserver.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Loopback ports for tests that must name a port before anything listens on it, or bind one again: taken from
 * below the kernel's range for the local ends of outgoing connections, so no connection made meanwhile (by this
 * JVM, codex, Maven) can take it, and a connection to it can never be made from that same port (a self-connect).
 */
public final class Ports {

    private Ports() {
    }

    /**
     * A free loopback port below the kernel's range for outgoing connections' local ports
     * ({@code /proc/sys/net/ipv4/ip_local_port_range}; 32768 when it cannot be read), from a random start.
     */
    public static int freeBelowTheEphemeralRange() throws IOException {
        int low = 32768;
        Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
        if (Files.isReadable(range)) { // (Files.readString gets a cut-off "3" from this /proc file on JDK 17)
            low = Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0]);
        }
        int from = 10_000;
        if (low <= from + 1000) {
            throw new IllegalStateException("ip_local_port_range starts at " + low + ": no room below it");
        }
        int span = low - from;
        int start = ThreadLocalRandom.current().nextInt(span);
        for (int i = 0; i < span; i++) {
            int port = from + (start + i) % span;
            try (ServerSocket probe = new ServerSocket(port, 1,
                    InetAddress.getLoopbackAddress())) {
                return probe.getLocalPort();
            } catch (IOException taken) {
                // in use: the next one
            }
        }
        throw new IOException("no free port between " + from + " and " + low);
    }
}
