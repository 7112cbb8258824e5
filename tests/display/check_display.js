// Drives the agent display in headless Chromium (playwright-core, the system
// browser; nothing is downloaded). Protocol with the pytest side, one line each
// on stdout: "READY" once the page is connected to the broker (pytest then
// publishes any kudos, then one nudge), then one JSON line with what the page
// shows once the nudge is there.
// With MODE "problem" it only reports the page's problem banner, and what the
// page shows besides (agent, cards, talk ratio): nothing, when the link is bad.
// Usage: node check_display.js URL SCREENSHOT_PATH PROFILE_DIR [MODE]
"use strict";
const { launch } = require("./browser");

const WAIT_MS = 30000;

async function main() {
  const [url, screenshot, profile, mode] = process.argv.slice(2);
  const context = await launch(profile, { width: 400, height: 640 });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(url);
    if (mode === "problem") {
      const banner = await page.waitForSelector("#problem:not([hidden])", { timeout: WAIT_MS });
      console.log(JSON.stringify({ problem: await banner.textContent(), role: await banner.getAttribute("role"),
                                   connection: await page.getAttribute("body", "data-connection"),
                                   agent: await page.textContent("#agent"),
                                   cards: await page.evaluate(() => document.querySelectorAll(".card").length),
                                   ratio: await page.getAttribute("#ratio", "aria-valuenow") }));
      return;
    }
    await page.waitForSelector('body[data-connection="connected"]', { timeout: WAIT_MS });
    // The retained state published before the page opened must be shown at once.
    await page.waitForFunction(() => document.getElementById("ratio").getAttribute("aria-valuenow") !== "0",
                               null, { timeout: WAIT_MS });
    console.log("READY");
    const card = await page.waitForSelector('.card[data-type="nudge"]', { timeout: WAIT_MS });
    // A new card must not take the focus away from whatever the agent is typing in.
    const focusUntouched = await page.evaluate(() => document.activeElement === document.body);
    const why = await card.$(".why");
    await why.click();
    const result = await page.evaluate(() => {
      const c = document.querySelector('.card[data-type="nudge"]');
      const shown = {};
      document.querySelectorAll(".card").forEach((x) => { shown[x.dataset.kind] = x.querySelector(".message").textContent; });
      return {
        shown,
        kind: c.dataset.kind, id: c.dataset.id, severity: c.dataset.severity,
        message: c.querySelector(".message").textContent,
        evidenceShown: !c.querySelector(".evidence").hidden,
        evidence: c.querySelector(".evidence").textContent,
        expanded: c.querySelector(".why").getAttribute("aria-expanded"),
        cards: document.querySelectorAll(".card").length,
        liveRegion: document.getElementById("cards").getAttribute("aria-live"),
        ratio: document.getElementById("ratio").getAttribute("aria-valuenow"),
        interruptions: document.getElementById("interruptions").textContent,
        connection: document.getElementById("connection").textContent,
        lang: document.documentElement.lang,
        title: document.getElementById("title").textContent,
      };
    });
    result.focusUntouched = focusUntouched;
    await page.screenshot({ path: screenshot, fullPage: true });
    // Keyboard: Escape dismisses the newest card.
    await page.keyboard.press("Escape");
    result.cardsAfterEscape = await page.evaluate(() => document.querySelectorAll(".card").length);
    result.errors = errors;
    console.log(JSON.stringify(result));
  } finally {
    await context.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
