/**
 * Answers to the server's approval requests: when codex wants to run a command or change files outside what
 * its sandbox allows, it asks the client, and waits (with no timeout of its own) for one answer.
 *
 * <p>{@link dev.codex4j.appserver.approval.ApprovalDecisions} is safe by default: with no handler every
 * approval is declined, a handler that throws or overruns its timeout counts as a decline, and accepting
 * everything takes an explicitly named policy ({@code acceptAll()}), which the client logs at WARN when it
 * starts. Handlers run on a library-owned executor, never on the connection's reader thread, so they may
 * block or call the client.
 *
 * <p>The ready-made rules ({@link dev.codex4j.appserver.approval.CommandRules},
 * {@link dev.codex4j.appserver.approval.FileChangeRules}) accept only what they can read completely and resolve
 * on the file system, and decline on any doubt; {@code docs/approvals-threat-model.md} says what they promise,
 * against whom, and why the code keeps it.
 */
package dev.codex4j.appserver.approval;
