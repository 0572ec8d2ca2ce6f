package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openqa.selenium.support.ui.ExpectedConditions.attributeToBe;
import static org.openqa.selenium.support.ui.ExpectedConditions.elementToBeClickable;
import static org.openqa.selenium.support.ui.ExpectedConditions.textToBePresentInElementLocated;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;

/**
 * The page in a real browser: a prompt's text streams in, its command waits for the person's Accept or
 * Decline, and the turn goes on accordingly. Two tabs at once: {@link TwoTabsBrowserTest}; no answer:
 * {@link ApprovalTimeoutBrowserTest}.
 */
class WebFluxExampleBrowserTest extends BrowserTestBase {

    @Test
    void acceptedCommandRunsAndTheTurnCompletes() {
        browser.openPage(port);
        browser.screenshot("accept-1-page");
        browser.run("alpha");

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
        browser.openPage(port);
        browser.run("bravo <b>bold</b>");

        browser.await(elementToBeClickable(By.cssSelector(".approval .decline")));
        // what a person (or the model) writes is shown as text, never parsed as HTML
        assertThat(browser.find(".user .agent-text").getText()).isEqualTo("bravo <b>bold</b>");
        assertThat(browser.driver().findElements(By.cssSelector("#transcript b"))).isEmpty();
        browser.screenshot("decline-1-approval");
        browser.find(".approval .decline").click();

        browser.await(attributeToBe(By.cssSelector(".command .badge"), "data-status", "declined"));
        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        assertThat(browser.find(".approval .outcome").getText()).isEqualTo("Declined.");
        assertThat(browser.find(".command .output").getText()).doesNotContain("Hello from");
        assertThat(browser.find("#transcript").getText()).contains("You declined, so I left");
        browser.screenshot("decline-2-declined");
    }

    @Test
    void fileChangeApprovalShowsTheDiffAndAppliesIt() {
        browser.openPage(port);
        browser.run("write a file for delta");

        browser.await(elementToBeClickable(By.cssSelector(".approval .accept")));
        assertThat(browser.find(".approval").getText()).contains("codex asks to change files".toUpperCase())
                .contains("notes.txt");
        assertThat(browser.find(".approval .diff").getText()).contains("Notes for the write a file for delta turn");
        assertThat(browser.find(".file-change .diff").getText()).contains("written by codex");
        browser.screenshot("file-1-approval");

        browser.find(".approval .accept").click();

        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        assertThat(browser.find(".file-change .badge").getAttribute("data-status")).isEqualTo("completed");
        browser.screenshot("file-2-applied");
    }
}
