package dev.codex4j.appserver.protocol;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks protocol surface that exists only in the experimental app-server API ({@code codex app-server
 * generate-json-schema --experimental}): a type, a record component (field), a union variant or an
 * enum constant. The server only accepts experimental methods and fields from a client that
 * negotiated the experimental API during {@code initialize}; the catalog entries of such methods
 * carry {@code experimental = true}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.RECORD_COMPONENT, ElementType.FIELD, ElementType.METHOD,
        ElementType.PARAMETER})
public @interface Experimental {}
