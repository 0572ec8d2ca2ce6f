package dev.codex4j.appserver.pool;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.codex4j.appserver.testing.RealCodex;
import dev.codex4j.appserver.testing.ScriptedModel;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import dev.codex4j.appserver.thread.ThreadOptions;
import java.nio.file.Files;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two real app-servers on one CODEX_HOME, declared as sharing it: a thread of a member killed with
 * {@code kill -9} is resumed on the other when asked for, with its history.
 */
@Timeout(180)
class AppServerPoolSharedStorageRealCodexTest {

    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void aDeadMembersThreadIsResumedWithItsHistoryOnAMemberSharingItsStorage() throws Exception {
        try (ScriptedModel model = ScriptedModel.start(); RealCodex codex = RealCodex.forModel(model)) {
            try (AppServerPool pool = AppServerPool.builder()
                    .member("m0", codex.clientBuilder().requestTimeout(WAIT), null, "home")
                    // its own working directory, so that the two processes can be told apart
                    .member("m1", codex.clientBuilder().requestTimeout(WAIT)
                            .workingDirectory(Files.createDirectories(codex.workspace().resolve("m1"))), null, "home")
                    .build()) {
                pool.start().block(WAIT);
                PooledThread thread = pool.startThread(ThreadOptions.defaults()).block(WAIT);
                assertThat(thread.member()).isEqualTo("m0");
                model.enqueue(Reply.message("first answer"));
                assertThat(thread.run("first").block(WAIT).finalResponse()).isEqualTo("first answer");
                // while m0 holds it, m1 may not write it: codex allows one writer per thread
                assertThatThrownBy(() -> dev.codex4j.appserver.thread.CodexThreads.of(pool.client("m1"))
                        .resume(thread.id(), ThreadOptions.defaults()).block(WAIT))
                        .hasMessageContaining("active writer");

                ProcessHandle m0 = PoolTestSupport.codexProcessIn(codex.workspace());
                m0.destroyForcibly();
                m0.onExit().get(WAIT.toSeconds(), TimeUnit.SECONDS);
                PoolTestSupport.awaitHealth(pool, "m0", h -> h.state() == MemberState.DEAD, Duration.ofSeconds(10));

                PooledThread moved = pool.thread(thread.id()).block(WAIT);
                assertThat(moved.member()).isEqualTo("m1");
                assertThat(pool.memberOf(thread.id())).contains("m1");
                model.enqueue(Reply.message("second answer"));
                assertThat(moved.run("second").block(WAIT).finalResponse()).isEqualTo("second answer");
                String lastRequest = model.requests().get(model.requests().size() - 1).body().path("input").toString();
                assertThat(lastRequest).contains("first answer"); // the history came along
                assertThat(pool.health()).extracting(MemberHealth::threads).containsExactly(0, 1);
            }
        }
    }
}
