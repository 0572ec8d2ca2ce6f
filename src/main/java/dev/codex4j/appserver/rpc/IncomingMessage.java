package dev.codex4j.appserver.rpc;

/** One message read from the server, classified once. */
public sealed interface IncomingMessage permits Response, Notification, IncomingRequest {}
