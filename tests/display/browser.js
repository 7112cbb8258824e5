// The one way the display tests start Chromium: the system browser, headless,
// a persistent profile (nothing is downloaded; playwright-core only drives it).
"use strict";
const { chromium } = require("playwright-core");

const ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync"];

function launch(profile, viewport) {
  return chromium.launchPersistentContext(profile, {
    executablePath: "/usr/bin/chromium",
    headless: true,
    args: ARGS,
    viewport,
  });
}

module.exports = { launch };
