/**
 * Threads and turns: the high-level API over {@link dev.codex4j.appserver.AppServerClient}.
 *
 * <pre>{@code
 * client.start().block();
 * CodexThread thread = CodexThreads.of(client).start(ThreadOptions.defaults()).block();
 *
 * TurnResult result = thread.run("What does this repository do?").block();   // one call, one turn
 *
 * TurnHandle turn = thread.turn(TurnInput.text("Fix the failing test"));     // streamed
 * turn.events().ofType(ServerNotification.ItemAgentMessageDelta.class)
 *         .subscribe(d -> System.out.print(d.params().delta()));
 * turn.result().block();
 * }</pre>
 *
 * <ul>
 *   <li>{@link dev.codex4j.appserver.thread.CodexThreads}: start, resume, fork, read, list, archive threads;
 *       one-off commands.</li>
 *   <li>{@link dev.codex4j.appserver.thread.CodexThread}: run turns (plain, streamed, structured output),
 *       reviews, compaction, renaming, rollback.</li>
 *   <li>{@link dev.codex4j.appserver.thread.TurnHandle}: one running turn: its events, its result,
 *       interrupt and steer.</li>
 *   <li>{@link dev.codex4j.appserver.thread.BlockingCodexThreads}: the same without Reactor.</li>
 * </ul>
 *
 * <p>Correct by construction: a turn's events are subscribed before {@code turn/start} is written and
 * held back until the server names the turn, so none is lost and none of another turn or thread leaks in;
 * each turn ends exactly once; one turn runs per thread at a time, while turns on different threads run
 * concurrently.
 */
package dev.codex4j.appserver.thread;
