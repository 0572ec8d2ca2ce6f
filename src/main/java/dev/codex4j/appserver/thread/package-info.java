/**
 * Threads and turns: the high-level API over {@link dev.codex4j.appserver.AppServerClient}.
 *
 * <pre>{@code
 * client.start().block();
 * CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block();
 *
 * TurnResult result = thread.run("What does this repository do?").block();   // one call, one turn
 *
 * TurnHandle turn = thread.turn("Fix the failing test");                     // streamed
 * turn.textDeltas().subscribe(System.out::print);
 * turn.result().block();
 *
 * // without Reactor, codex started and closed around one prompt in an ephemeral thread:
 * TurnResult once = BlockingCodexThreads.runOnce(AppServerClient.builder(), "What does this repository do?");
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.codex4j.appserver.thread.CodexThreads}: start, resume (also the latest thread), fork, read,
 *       list, archive threads; a handle for an existing thread id; one-off commands; the one-shot
 *       {@code runOnce}.</li>
 *   <li>{@link dev.codex4j.appserver.thread.CodexThread}: run turns (plain, streamed, structured output),
 *       reviews, compaction, renaming, rollback; its running and last turn.</li>
 *   <li>{@link dev.codex4j.appserver.thread.TurnHandle}: one running turn: its events (replay bounded by
 *       {@link dev.codex4j.appserver.thread.TurnOptions.Builder#eventHistory(int)}), its text as it streams, its
 *       result, interrupt and steer.</li>
 *   <li>{@link dev.codex4j.appserver.thread.ThreadOptions}: a thread's settings, including the approvals
 *       reviewer and the Java functions offered to the model as dynamic tools.</li>
 *   <li>{@link dev.codex4j.appserver.thread.BlockingCodexThreads},
 *       {@link dev.codex4j.appserver.thread.BlockingCodexThread},
 *       {@link dev.codex4j.appserver.thread.BlockingTurnHandle}: the same without any Reactor type: plain
 *       values, {@link java.util.stream.Stream}s of events and text, callbacks on the caller's thread;
 *       {@code BlockingCodexThreads.open(builder)} starts and closes a client of its own.</li>
 * </ul>
 *
 * <p>Correct by construction: a turn's events are subscribed before {@code turn/start} is written and
 * held back until the server names the turn, so none is lost and none of another turn or thread leaks in;
 * each turn ends exactly once; one turn runs per thread at a time, while turns on different threads run
 * concurrently.
 */
package dev.codex4j.appserver.thread;
