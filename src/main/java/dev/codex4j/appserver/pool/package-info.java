/**
 * A pool of app-servers behind one thread API: {@link dev.codex4j.appserver.pool.AppServerPool} places each new
 * thread on a member (a {@link dev.codex4j.appserver.pool.PlacementStrategy}, least running turns by default)
 * and keeps every later turn of the thread there; caps each member's concurrent turns with a bounded,
 * timed wait queue; pins a tenant's threads to that tenant's members; takes a dead member out of placement
 * (and back in once its client's {@code RestartPolicy} has restarted it), and one that stops answering its
 * health probes too ({@link dev.codex4j.appserver.pool.MemberState#UNRESPONSIVE}); drains a member before closing it;
 * and reports each member's health as plain values ({@link dev.codex4j.appserver.pool.MemberHealth}).
 * {@link dev.codex4j.appserver.pool.BlockingAppServerPool} is the same for callers that do not use Reactor.
 *
 * <p>Built on the client and the thread API ({@code dev.codex4j.appserver.thread}): a pooled thread's turns are
 * that member's {@link dev.codex4j.appserver.thread.CodexThread} turns. Nothing below this package knows it.
 */
package dev.codex4j.appserver.pool;
