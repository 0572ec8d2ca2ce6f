package dev.codex4j.examples.webflux;

import static org.assertj.core.api.Assertions.assertThat;
import static org.openqa.selenium.support.ui.ExpectedConditions.attributeToBe;
import static org.openqa.selenium.support.ui.ExpectedConditions.presenceOfElementLocated;

import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.springframework.test.context.TestPropertySource;

/** An approval nobody answers is declined when codex-example.approval-timeout passes, and the page says so. */
@TestPropertySource(properties = "codex-example.approval-timeout=2s")
class ApprovalTimeoutBrowserTest extends BrowserTestBase {

    @Test
    void unansweredApprovalIsDeclinedAfterTheTimeout() {
        browser.openPage(port);
        browser.run("charlie");
        // shown: present, not clickable, for the page may already have declined it by the time a loaded machine looks
        browser.await(presenceOfElementLocated(By.cssSelector(".approval .accept")));

        browser.await(attributeToBe(By.cssSelector(".approval .outcome"), "data-decision", "decline"));
        assertThat(browser.find(".approval .outcome").getText()).isEqualTo("Declined: no answer in time.");
        assertThat(browser.find(".approval .accept").isEnabled()).isFalse();
        browser.await(attributeToBe(By.cssSelector(".command .badge"), "data-status", "declined"));
        browser.await(attributeToBe(By.id("status"), "data-state", "completed"));
        browser.screenshot("timeout-1-declined");
    }
}
