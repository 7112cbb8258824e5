// Open a callcoach HTML report in headless Chromium and print what a reader sees, as JSON.
//
//   node render_report.mjs report  REPORT.html  SHOT.png  KIND    click the first KIND marker
//   node render_report.mjs summary SUMMARY.html SHOT.png  COLUMN  click COLUMN's header (twice)
//
// Uses playwright-core from the repository's node_modules with the system
// Chromium (never a downloaded browser). Any request leaving file:// and any
// page error is reported, so the test can check the page is self-contained.
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [mode, page_path, shot, target] = process.argv.slice(2);
if (!['report', 'summary'].includes(mode) || !page_path || !shot || !target) {
  console.error('usage: node render_report.mjs report|summary PAGE.html SHOT.png KIND|COLUMN');
  process.exit(2);
}

const profile = mkdtempSync(join(tmpdir(), 'callcoach-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync'],
});
const out = { requests: [], errors: [], dialogs: [] };
try {
  const page = context.pages()[0] || await context.newPage();
  page.on('request', (r) => { if (!r.url().startsWith('file:')) out.requests.push(r.url()); });
  page.on('pageerror', (e) => out.errors.push(String(e)));
  page.on('dialog', (d) => { out.dialogs.push(d.message()); d.dismiss(); });
  page.on('console', (m) => { if (m.type() === 'error') out.errors.push(m.text()); });
  await page.goto(pathToFileURL(resolve(page_path)).href);
  out.lang = await page.getAttribute('html', 'lang');
  out.title = await page.title();
  if (mode === 'report') {
    await reportPage(page, target);
  } else {
    await summaryPage(page, target);
  }
  await page.screenshot({ path: shot, fullPage: true });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));

async function reportPage(page, kind) {
  const timeline = page.getByTestId('timeline');
  const count = (sel) => timeline.locator(sel).evaluateAll((els) => {
    const by = {};
    for (const el of els) by[el.dataset.kind] = (by[el.dataset.kind] || 0) + 1;
    return by;
  });
  out.nudges = await count('.marker.nudge');
  out.kudos = await count('.marker.kudos');
  out.marker_times = await timeline.locator('.marker').evaluateAll((els) => els.map((e) => Number(e.dataset.t)));
  out.segments = {
    agent: await timeline.locator('.lane[data-party=agent] .seg').count(),
    customer: await timeline.locator('.lane[data-party=customer] .seg').count(),
  };
  out.overlaps = await timeline.locator('.overlap').count();
  out.silences = await timeline.locator('.silence').count();
  out.evidence_before = await page.getByTestId('evidence-text').isVisible();
  const marker = timeline.locator(`.marker[data-kind="${kind}"]`).first();
  await marker.click();
  const panel = page.getByTestId('evidence');
  out.evidence = {
    title: await panel.locator('[data-field=title]').innerText(),
    span: await panel.locator('[data-field=span]').innerText(),
    text: await page.getByTestId('evidence-text').isVisible() ? await page.getByTestId('evidence-text').innerText() : '',
    pressed: await marker.getAttribute('aria-pressed'),
    highlight_visible: await page.locator('#evspan').isVisible(),
  };
  out.transcript_rows = await page.getByTestId('transcript').locator('li').count();
}

async function summaryPage(page, column) {
  const firstColumn = (table) => page.getByTestId(table).locator('tbody tr').evaluateAll(
    (rows) => rows.map((r) => r.querySelector('th, td').textContent.trim()));
  const header = page.getByTestId('calls').locator(`thead th[data-key="${column}"] button`);
  out.calls_before = await firstColumn('calls');
  await header.click();
  out.calls_sorted = await firstColumn('calls');
  out.sort_state = await page.getByTestId('calls').locator(`thead th[data-key="${column}"]`).getAttribute('aria-sort');
  await header.click();
  out.calls_reversed = await firstColumn('calls');
  out.agents = await firstColumn('agents');
  out.kinds = await firstColumn('kinds');
  out.links = await page.getByTestId('calls').locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}
