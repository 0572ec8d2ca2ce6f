package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openqa.selenium.support.ui.ExpectedConditions.attributeToBe;
import static org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable;
import static org.openqa.selenium.support.ui.ExpectedConditions.textToBe;

import dev.codex4j.appserver.testing.ScriptedModel.RecordedRequest;
import dev.codex4j.appserver.testing.ScriptedModel.Reply;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;

/**
 * Two browser tabs run turns at the same time, each seeing only its own text, command and approval, and each
 * answering its own approval. The scripted model holds back the first reply of each turn until both turns
 * have asked for one, so both approvals are requested while both tabs' turns run: an approval routed by
 * anything but its own turn would show up in the wrong tab.
 */
@Import(TwoTabsBrowserTest.BothTurnsFirst.class)
class TwoTabsBrowserTest extends BrowserTestBase {

    /** The offline script, except that each turn's first reply waits until two turns have asked for theirs. */
    @TestConfiguration(proxyBeanMethods = false)
    static class BothTurnsFirst {

        @Bean
        @Primary
        OfflineScript bothTurnsFirstScript() {
            CountDownLatch firstRequests = new CountDownLatch(2);
            return new OfflineScript() {
                @Override
                Reply reply(RecordedRequest request) {
                    if (request.inputItems("function_call_output").isEmpty()) {
                        firstRequests.countDown();
                        try {
                            if (!firstRequests.await(60, TimeUnit.SECONDS)) {
                                return Reply.message("the other tab's turn never started");
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    return super.reply(request);
                }
            };
        }
    }

    @Test
    void twoTabsRunIndependentTurnsAtOnce() {
        browser.openPage(port);
        String alphaTab = browser.driver().getWindowHandle();
        browser.run("alpha");
        browser.driver().switchTo().newWindow(WindowType.TAB);
        String bravoTab = browser.driver().getWindowHandle();
        browser.openPage(port);
        browser.run("bravo");

        browser.await(elementToBeClickable(By.cssSelector(".approval .accept")));
        assertOnlyItsOwn("bravo", "alpha");
        browser.screenshot("tabs-1-bravo-approval");
        browser.driver().switchTo().window(alphaTab);
        browser.await(elementToBeClickable(By.cssSelector(".approval .accept")));
        assertOnlyItsOwn("alpha", "bravo");
        browser.screenshot("tabs-2-alpha-approval");

        browser.find(".approval .decline").click();
        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        assertThat(browser.find(".command .badge").getAttribute("data-status")).isEqualTo("declined");
        assertOnlyItsOwn("alpha", "bravo");
        browser.screenshot("tabs-3-alpha-declined");

        browser.driver().switchTo().window(bravoTab);
        assertThat(browser.find("#status").getAttribute("data-state")).isEqualTo("approval");
        browser.find(".approval .accept").click();
        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        browser.await(textToBe(By.cssSelector(".command .output"), "Hello from the bravo turn"));
        assertOnlyItsOwn("bravo", "alpha");
        browser.screenshot("tabs-4-bravo-accepted");
    }

    /** The tab shows one approval, for its own prompt, and nothing of the other tab's turn. */
    private void assertOnlyItsOwn(String own, String other) {
        assertThat(browser.driver().findElements(By.cssSelector(".approval"))).hasSize(1);
        assertThat(browser.find(".approval .approval-command").getText()).contains("Hello from the " + own + " turn");
        assertThat(browser.find("#transcript").getText()).contains("\u201c" + own + "\u201d").doesNotContain(other);
    }
}
