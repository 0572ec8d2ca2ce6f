package dev.codex4j.appserver.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.codex4j.appserver.rpc.JsonRpcError;
import dev.codex4j.appserver.rpc.RequestId;
import dev.codex4j.appserver.rpc.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The request subscription's Reactive Streams contract: demand, cancellation, exactly one terminal signal. */
@Timeout(30)
class RequestCallTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    /** A Mono whose subscription is the call; {@code onSubscribed} plays the server. */
    private static Mono<JsonNode> mono(AtomicReference<RequestCall> holder, AtomicInteger cancels) {
        return new Mono<>() {
            @Override
            public void subscribe(CoreSubscriber<? super JsonNode> actual) {
                RequestCall call = new RequestCall(actual,
                        r -> new IllegalStateException("error " + r.error().code()), Runnable::run);
                call.onCancel(cancels::incrementAndGet);
                holder.set(call);
                actual.onSubscribe(call);
            }
        };
    }

    private static Response ok(String text) {
        return new Response(RequestId.of(1), TextNode.valueOf(text), null);
    }

    @Test
    void aResultThatArrivesBeforeDemandWaitsForIt() {
        AtomicReference<RequestCall> call = new AtomicReference<>();
        StepVerifier.create(mono(call, new AtomicInteger()), 0)
                .then(() -> call.get().onResponse(ok("early")))
                .expectNoEvent(Duration.ofMillis(50))
                .thenRequest(1)
                .expectNext(TextNode.valueOf("early"))
                .verifyComplete();
    }

    @Test
    void errorsNeedNoDemandAndErrorResponsesAreMapped() {
        AtomicReference<RequestCall> call = new AtomicReference<>();
        StepVerifier.create(mono(call, new AtomicInteger()), 0)
                .then(() -> call.get().onResponse(new Response(RequestId.of(1), null, new JsonRpcError(-32600, "bad", null))))
                .expectErrorMessage("error -32600")
                .verify(WAIT);
        StepVerifier.create(mono(call, new AtomicInteger()), 0)
                .then(() -> call.get().onFailure(new IllegalArgumentException("gone")))
                .expectErrorMessage("gone")
                .verify(WAIT);
    }

    @Test
    void cancellingForgetsTheRequestOnceAndDropsWhatArrivesLater() {
        AtomicReference<RequestCall> call = new AtomicReference<>();
        AtomicInteger cancels = new AtomicInteger();
        StepVerifier.create(mono(call, cancels))
                .thenCancel()
                .verify(WAIT);
        call.get().cancel();
        call.get().onResponse(ok("late"));
        call.get().onFailure(new IllegalStateException("late too"));
        assertThat(cancels).hasValue(1);
        assertThat(call.get().isDone()).isTrue();
    }

    @RepeatedTest(20)
    void racingResponseFailureRequestAndCancelGiveAtMostOneTerminalSignal() throws Exception {
        List<String> signals = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicReference<RequestCall> call = new AtomicReference<>();
        AtomicInteger cancels = new AtomicInteger();
        AtomicReference<org.reactivestreams.Subscription> subscription = new AtomicReference<>();
        mono(call, cancels).subscribe(new CoreSubscriber<>() {
            @Override
            public void onSubscribe(org.reactivestreams.Subscription s) {
                subscription.set(s);
            }

            @Override
            public void onNext(JsonNode value) {
                signals.add("next");
            }

            @Override
            public void onError(Throwable t) {
                signals.add("error");
            }

            @Override
            public void onComplete() {
                signals.add("complete");
            }
        });
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> racers = List.of(
                new Thread(() -> await(go, () -> call.get().onResponse(ok("x")))),
                new Thread(() -> await(go, () -> call.get().onFailure(new IllegalStateException("f")))),
                new Thread(() -> await(go, () -> subscription.get().request(1))),
                new Thread(() -> await(go, () -> subscription.get().cancel())));
        racers.forEach(Thread::start);
        go.countDown();
        for (Thread racer : racers) {
            racer.join();
        }
        assertThat(signals).isIn(List.of(), List.of("next", "complete"), List.of("error"));
        assertThat(cancels.get() == 1).isEqualTo(signals.isEmpty()); // cancelled exactly when nothing was signalled
    }

    private static void await(CountDownLatch go, Runnable action) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        action.run();
    }
}
