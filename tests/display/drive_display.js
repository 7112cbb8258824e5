// Drives agent displays in headless Chromium (playwright-core, the system
// browser; nothing is downloaded), one command at a time, for tests that act
// between the page's steps (cut the network, publish, restore).
// Usage: node drive_display.js PROFILE_DIR CLOCK_SHIFT_MS
// Every page of the browser gets, before any of its own scripts:
// - with CLOCK_SHIFT_MS != 0, a desktop clock that far off: Date and Date.now
//   are shifted (performance.now, a monotonic clock, is not);
// - window.__cardLog: every card added to or removed from the page, as
//   {event, id, kind, type, message, wall} with wall the machine's real clock
//   (Unix ms, unshifted), so the test sees cards that came and went between commands.
// Protocol: one JSON command a line on stdin, one JSON answer a line on stdout.
//   {"op": "open", "url"}                    -> {"ok": true, "page": N}
//   {"op": "eval", "page", "expr"}           -> {"ok": true, "value": <expr's value>}
//   {"op": "wait", "page", "expr", "timeout_ms"} -> {"ok": true, "value"} once expr is truthy
//   {"op": "reload", "page"}                 -> {"ok": true}
//   {"op": "errors", "page"}                 -> {"ok": true, "value": [page errors]}
//   {"op": "close"}                          -> {"ok": true}, then the browser closes
// A failed command answers {"ok": false, "error"}.
"use strict";
const readline = require("readline");
const { launch } = require("./browser");

function initScript({ shiftMs }) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  window.__cardLog = [];
  const note = (event, node) => {
    if (node.nodeType !== 1 || !node.classList.contains("card")) return;
    const message = node.querySelector(".message");
    window.__cardLog.push({ event, id: node.dataset.id, kind: node.dataset.kind, type: node.dataset.type,
                            message: message ? message.textContent : "", wall: realNow() });
  };
  new MutationObserver((records) => {
    for (const record of records) {
      record.addedNodes.forEach((node) => note("added", node));
      record.removedNodes.forEach((node) => note("removed", node));
    }
  }).observe(document, { childList: true, subtree: true });
  window.__realNow = realNow;
  if (!shiftMs) return;
  class ShiftedDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(realNow() + shiftMs); else super(...args);
    }
    static now() { return realNow() + shiftMs; }
  }
  window.Date = ShiftedDate;
}

async function main() {
  const [profile, shift] = process.argv.slice(2);
  const context = await launch(profile, { width: 400, height: 640 });
  await context.addInitScript(initScript, { shiftMs: Number(shift) || 0 });
  const pages = [];
  const errors = [];
  const answer = (value) => process.stdout.write(JSON.stringify(value) + "\n");
  const lines = readline.createInterface({ input: process.stdin });
  try {
    for await (const line of lines) {
      if (!line.trim()) continue;
      const cmd = JSON.parse(line);
      try {
        if (cmd.op === "close") { answer({ ok: true }); break; }
        if (cmd.op === "open") {
          const page = await context.newPage();
          const index = pages.length;
          pages.push(page);
          errors.push([]);
          page.on("pageerror", (err) => errors[index].push(String(err)));
          await page.goto(cmd.url);
          answer({ ok: true, page: index });
        } else if (cmd.op === "eval") {
          answer({ ok: true, value: await pages[cmd.page].evaluate(cmd.expr) });
        } else if (cmd.op === "wait") {
          const handle = await pages[cmd.page].waitForFunction(cmd.expr, null, { timeout: cmd.timeout_ms, polling: 50 });
          answer({ ok: true, value: await handle.jsonValue() });
        } else if (cmd.op === "reload") {
          await pages[cmd.page].reload();
          answer({ ok: true });
        } else if (cmd.op === "errors") {
          answer({ ok: true, value: errors[cmd.page] });
        } else {
          answer({ ok: false, error: `unknown op ${cmd.op}` });
        }
      } catch (err) {
        answer({ ok: false, error: String(err) });
      }
    }
  } finally {
    lines.close();
    process.stdin.destroy();   // nothing more to read: let node exit
    await context.close();
  }
}

main().catch((err) => { console.error(err); process.exit(1); });
