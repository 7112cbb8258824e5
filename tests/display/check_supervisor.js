// Drives the supervisor view in headless Chromium (playwright-core, the system
// browser). Protocol, one line each on stdout: "READY" once the page is
// connected and shows the team's roster (pytest then streams the calls), then
// one JSON line once the tile FLAGGED (an agent id) sorts first with a reason:
// what the tiles showed over time, the order, the history opened with Enter.
// MODE "problem": only the page's problem banner and its tile count.
// MODE "words": once connected with the roster's tiles, the page's words
// (language, headings, labels, a tile's status and figure names), one JSON line.
// Usage: node check_supervisor.js URL SCREENSHOT_PATH PROFILE_DIR MODE|FLAGGED
"use strict";
const { launch } = require("./browser");

const WAIT_MS = 90000;

async function main() {
  const [url, screenshot, profile, mode] = process.argv.slice(2);
  const context = await launch(profile, { width: 1200, height: 900 });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on("pageerror", (err) => errors.push(String(err)));
    await page.goto(url);
    if (mode === "problem") {
      const banner = await page.waitForSelector("#problem:not([hidden])", { timeout: 30000 });
      console.log(JSON.stringify({ problem: await banner.textContent(), role: await banner.getAttribute("role"),
                                   tiles: await page.evaluate(() => document.querySelectorAll(".tile").length),
                                   connection: await page.getAttribute("body", "data-connection"), errors }));
      return;
    }
    await page.waitForSelector('body[data-connection="connected"]', { timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll(".tile").length > 0, null, { timeout: 30000 });
    if (mode === "words") {
      console.log(JSON.stringify(await page.evaluate(() => {
        const text = (selector) => document.querySelector(selector).textContent;
        const tile = document.querySelector(".tile");
        return { lang: document.documentElement.lang, title: text("#title"), connection: text("#connection"),
                 hint: text(".hint"), tilesLabel: document.getElementById("tiles").getAttribute("aria-label"),
                 status: tile.querySelector(".status").textContent,
                 figures: [...tile.querySelectorAll("dt")].map((dt) => dt.textContent),
                 lastNudgesLabel: tile.querySelector(".last-nudges").getAttribute("aria-label"),
                 close: text("#history-close") };
      }).then((words) => ({ ...words, errors }))));
      return;
    }
    const flagged = mode;
    // Record, every 200 ms, every agent ever shown and the most tiles on call at once with a running clock.
    await page.evaluate(() => {
      window.__seen = { agents: new Set(), maxOnCall: 0, durations: {} };
      setInterval(() => {
        document.querySelectorAll(".tile").forEach((t) => {
          window.__seen.agents.add(t.dataset.agent);
          if (t.dataset.oncall === "true") window.__seen.durations[t.dataset.agent] = t.querySelector(".duration").textContent;
        });
        window.__seen.maxOnCall = Math.max(window.__seen.maxOnCall,
          document.querySelectorAll('.tile[data-oncall="true"]').length);
      }, 200);
    });
    console.log("READY");
    await page.waitForFunction((agent) => {
      const first = document.querySelector(".tile");
      return first && first.dataset.agent === agent && first.dataset.attention && !first.querySelector(".reason").hidden;
    }, flagged, { timeout: WAIT_MS });
    const top = await page.evaluate(() => {
      const first = document.querySelector(".tile");
      return { agent: first.dataset.agent, attention: first.dataset.attention,
               reason: first.querySelector(".reason").textContent,
               lastNudges: [...first.querySelectorAll(".last-nudges li")].map((li) => li.textContent) };
    });
    // Keyboard: Tab reaches the first tile (roving tab index), Enter opens its history.
    await page.focus(".tile");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#history:not([hidden]) .history-list li .evidence", { timeout: 30000 });
    const opened = await page.evaluate(() => ({
      title: document.getElementById("history-title").textContent,
      items: [...document.querySelectorAll("#history-list li")].map((li) => ({
        kind: li.dataset.kind, severity: li.dataset.severity, type: li.dataset.type,
        text: li.textContent })),
      expanded: document.querySelector(".tile").getAttribute("aria-expanded"),
    }));
    await page.screenshot({ path: screenshot, fullPage: true });
    await page.keyboard.press("Escape");
    const closed = await page.evaluate(() => document.getElementById("history").hidden);
    const seen = await page.evaluate(() => ({ agents: [...window.__seen.agents].sort(), maxOnCall: window.__seen.maxOnCall,
                                              durations: window.__seen.durations }));
    const order = await page.evaluate(() => [...document.querySelectorAll(".tile")].map((t) => t.dataset.agent));
    const text = await page.evaluate(() => document.body.innerText);
    console.log(JSON.stringify({ top, opened, closed, seen, order, text, errors,
                                 connection: await page.getAttribute("body", "data-connection") }));
  } finally {
    await context.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
