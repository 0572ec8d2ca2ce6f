package dev.codex4j.appserver.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.ThreadInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What {@link Benchmarks} measures of its own JVM around a round: bytes allocated per thread, CPU time of the
 * process, of the calling thread and of the reader threads, context switches from {@code /proc}, and the heap's
 * occupancy and peaks.
 */
final class JvmProbes {

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private JvmProbes() {}

    // --- allocation ----------------------------------------------------------------------------------

    /** Bytes allocated so far by each live thread. */
    static Map<Long, Long> allocatedBytes() {
        long[] ids = THREADS.getAllThreadIds();
        return byThread(ids, THREADS.getThreadAllocatedBytes(ids));
    }

    /** Bytes allocated since {@code before} by threads alive now (threads that ended meanwhile are missed). */
    static long allocatedSince(Map<Long, Long> before) {
        return since(allocatedBytes(), before);
    }

    private static Map<Long, Long> byThread(long[] ids, long[] values) {
        Map<Long, Long> byThread = new HashMap<>();
        for (int i = 0; i < ids.length; i++) {
            if (values[i] >= 0) {
                byThread.put(ids[i], values[i]);
            }
        }
        return byThread;
    }

    private static long since(Map<Long, Long> now, Map<Long, Long> before) {
        long total = 0;
        for (Map.Entry<Long, Long> thread : now.entrySet()) {
            total += thread.getValue() - before.getOrDefault(thread.getKey(), 0L);
        }
        return total;
    }

    // --- CPU and context switches --------------------------------------------------------------------

    /** CPU time of this JVM, all threads (GC and JIT included). */
    static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /** CPU time so far of each live Java thread (the JVM's GC and compiler threads are not among them). */
    static Map<Long, Long> threadCpuNanos() {
        long[] ids = THREADS.getAllThreadIds();
        return byThread(ids, THREADS.getThreadCpuTime(ids));
    }

    /** CPU time since {@code before} of the threads alive now (a thread that ended meanwhile is missed). */
    static long threadCpuSince(Map<Long, Long> before) {
        return since(threadCpuNanos(), before);
    }

    /** CPU time of the calling thread. */
    static long currentThreadCpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /**
     * CPU time of the live reader threads: the client's stdout readers and the baseline's; over WebSocket the
     * client's reader and I/O threads and the JDK HttpClient's threads (both sides' selectors, the baseline's
     * workers, which run its listener).
     */
    static long readerCpuNanos() {
        long total = 0;
        for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && (info.getThreadName().startsWith("codex4j-stdout-")
                    || info.getThreadName().equals("baseline-reader")
                    || info.getThreadName().startsWith("codex4j-ws-")
                    || info.getThreadName().startsWith("HttpClient-"))) {
                total += Math.max(0, THREADS.getThreadCpuTime(info.getThreadId()));
            }
        }
        return total;
    }

    /**
     * Context switches (voluntary + involuntary) of this JVM's live threads, from {@code /proc/self/task};
     * -1 where that does not exist. Mostly wake-ups: a thread that parks and is unparked switches twice.
     */
    static long contextSwitches() {
        Path tasks = Path.of("/proc/self/task");
        if (!Files.isDirectory(tasks)) {
            return -1;
        }
        long total = 0;
        try (var dirs = Files.list(tasks)) {
            for (Path task : (Iterable<Path>) dirs::iterator) {
                try {
                    for (String line : Files.readAllLines(task.resolve("status"))) {
                        if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
                            total += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
                        }
                    }
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException e) {
            return -1;
        }
        return total;
    }

    // --- heap ----------------------------------------------------------------------------------------

    /** Heap in use after a few full collections: what is retained. */
    static long heapUsedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Starts the memory pools' peaks afresh, for {@link #heapPeak()}. */
    static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /** Sum of the heap pools' peaks: an upper bound of what was in use at any one time. */
    static long heapPeak() {
        return ManagementFactory.getMemoryPoolMXBeans().stream()
                .filter(p -> p.getType() == MemoryType.HEAP)
                .mapToLong(p -> p.getPeakUsage().getUsed())
                .sum();
    }
}
