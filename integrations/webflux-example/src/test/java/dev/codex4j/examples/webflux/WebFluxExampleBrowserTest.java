package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openqa.selenium.support.ui.ExpectedConditions.attributeToBe;
import static org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable;
import static org.openqa.selenium.support.ui.ExpectedConditions.textToBe;
import static org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.WindowType;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;

/**
 * The page in a real browser (headless chromium) against the app on a random port, which runs the real pinned
 * codex against the scripted model ({@link OfflineScript}): a prompt's text streams in, its command waits for
 * the person's Accept or Decline, and two tabs run turns at once without seeing each other's. Screenshots of
 * each step go to target/screenshots/.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS)   // closes the context: stops codex
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class WebFluxExampleBrowserTest {

    @LocalServerPort
    int port;

    private Browser browser;

    @BeforeEach
    void openBrowser() {
        browser = Browser.start();
    }

    @AfterEach
    void quitBrowser() {
        if (browser != null) {
            browser.close();
        }
    }

    @Test
    void acceptedCommandRunsAndTheTurnCompletes() {
        open();
        browser.screenshot("accept-1-page");
        run("alpha");

        browser.await(textToBePresentInElementLocated(By.cssSelector(".agent .agent-text"), "Working on \u201calpha\u201d"));
        browser.await(elementToBeClickable(By.cssSelector(".approval .accept")));
        assertThat(browser.find(".approval .approval-command").getText()).contains("Hello from the alpha turn");
        assertThat(browser.find("#status").getAttribute("data-state")).isEqualTo("approval");
        browser.screenshot("accept-2-approval");

        browser.find(".approval .accept").click();

        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        assertThat(browser.find(".approval .outcome").getText()).isEqualTo("Accepted.");
        assertThat(browser.find(".command .badge").getAttribute("data-status")).isEqualTo("completed");
        assertThat(browser.find(".command .output").getText()).isEqualTo("Hello from the alpha turn");
        assertThat(browser.find("#transcript").getText()).contains("Finished \u201calpha\u201d.");
        browser.screenshot("accept-3-completed");
    }

    @Test
    void declinedCommandIsShownDeclined() {
        open();
        run("bravo");

        browser.await(elementToBeClickable(By.cssSelector(".approval .decline")));
        browser.screenshot("decline-1-approval");
        browser.find(".approval .decline").click();

        browser.await(attributeToBe(By.cssSelector(".command .badge"), "data-status", "declined"));
        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        assertThat(browser.find(".approval .outcome").getText()).isEqualTo("Declined.");
        assertThat(browser.find(".command .output").getText()).doesNotContain("Hello from");
        browser.screenshot("decline-2-declined");
    }

    @Test
    void twoTabsRunIndependentTurnsAtOnce() {
        open();
        String alphaTab = browser.driver().getWindowHandle();
        run("alpha");
        browser.driver().switchTo().newWindow(WindowType.TAB);
        String bravoTab = browser.driver().getWindowHandle();
        open();
        run("bravo");

        // both turns now wait for an approval at the same time, each in its own tab
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

    private void open() {
        browser.driver().get("http://localhost:" + port + "/");
        browser.await(elementToBeClickable(By.id("send")));
    }

    private void run(String prompt) {
        browser.find("#prompt").sendKeys(prompt);
        browser.find("#send").click();
    }
}
