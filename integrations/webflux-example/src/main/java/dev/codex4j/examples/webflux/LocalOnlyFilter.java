package dev.codex4j.examples.webflux;

import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Serves only requests addressed to this machine by a loopback name. Whoever reaches the page can run prompts
 * and accept their commands, so besides listening on 127.0.0.1 ({@code server.address}) it refuses (403) a
 * request whose {@code Host} is any other name: that is how a page from another site gets in, once it has made
 * its own name resolve to 127.0.0.1 (DNS rebinding), since the browser then treats this page as its own origin.
 */
@Component
class LocalOnlyFilter implements WebFilter {

    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1", "[::1]");

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        InetSocketAddress host = exchange.getRequest().getHeaders().getHost();
        if (host == null || !LOOPBACK_NAMES.contains(host.getHostString().toLowerCase(Locale.ROOT))) {
            exchange.getResponse().setStatusCode(HttpStatus.FORBIDDEN);
            return exchange.getResponse().setComplete();
        }
        return chain.filter(exchange);
    }
}
