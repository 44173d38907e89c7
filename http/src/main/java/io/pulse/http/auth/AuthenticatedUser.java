package io.pulse.http.auth;

/** The user a verified token speaks for. */
public record AuthenticatedUser(String userId) {}
