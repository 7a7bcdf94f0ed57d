/**
 * audit.mjs audits reader pages of a running liveblog with axe-core and
 * Lighthouse and prints the figures.
 *
 *   make run                      # the demo, in another terminal
 *   cd tools && npm ci
 *   node audit.mjs                # the demo's live page, its oldest post's
 *                                 # permalink and its ended event
 *   node audit.mjs URL...         # any pages
 *
 * Chromium comes from CHROME_PATH, else /usr/bin/chromium. The exit status
 * is 1 when axe finds a violation, so the script can gate a release; the
 * Lighthouse scores are figures to watch, not a gate, since they vary from
 * machine to machine.
 */

import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const require = createRequire(import.meta.url);
const urls = process.argv.slice(2);
if (urls.length === 0) urls.push(...(await demoPages("http://127.0.0.1:8080")));

// The rules liveblog promises to meet: WCAG 2.1 A and AA, and axe's best
// practices.
const AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"];

const axeSource = await readFile(require.resolve("axe-core/axe.min.js"), "utf8");
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  args: ["--headless=new", "--no-sandbox", "--disable-gpu"],
});

let violations = 0;
try {
  for (const url of urls) {
    console.log(`\n${url}`);
    violations += await axe(url);
    await audit(url);
  }
} finally {
  await browser.close();
}
if (violations > 0) process.exitCode = 1;

// axe loads the page at a phone's width, runs axe-core in it (injected
// through the DevTools protocol, which the page's Content-Security-Policy
// does not govern) and prints each violation. It returns how many there are.
async function axe(url) {
  const page = await browser.newPage();
  try {
    await page.setViewport({ width: 375, height: 812, isMobile: true, deviceScaleFactor: 2 });
    await page.goto(url, { waitUntil: "load" });
    await page.evaluate(axeSource);
    const result = await page.evaluate((tags) => axe.run(document, { runOnly: { type: "tag", values: tags } }), AXE_TAGS);
    console.log(`  axe-core ${result.testEngine.version}: ${result.passes.length} rules pass, ` +
      `${result.violations.length} violated, ${result.incomplete.length} need a human`);
    for (const v of result.violations) {
      console.log(`    ${v.impact.padEnd(8)} ${v.id} (${v.nodes.length}): ${v.help}`);
      for (const n of v.nodes.slice(0, 3)) console.log(`             ${n.target.join(" ")}`);
    }
    return result.violations.length;
  } finally {
    await page.close();
  }
}

// audit runs Lighthouse's mobile audit and prints the category scores and
// the metrics a reader on a phone feels.
async function audit(url) {
  const page = await browser.newPage();
  try {
    const { lhr } = await lighthouse(url, { logLevel: "error", output: "json" }, undefined, page);
    if (lhr.runtimeError) {
      console.log(`  Lighthouse ${lhr.lighthouseVersion}: could not audit the page: ${lhr.runtimeError.code}: ${lhr.runtimeError.message}`);
      process.exitCode = 1;
      return;
    }
    const scores = Object.values(lhr.categories).map((c) => `${c.title} ${Math.round(c.score * 100)}`);
    console.log(`  Lighthouse ${lhr.lighthouseVersion}: ${scores.join(", ")}`);
    for (const id of ["first-contentful-paint", "largest-contentful-paint", "total-blocking-time", "cumulative-layout-shift", "speed-index", "total-byte-weight"]) {
      const a = lhr.audits[id];
      if (a) console.log(`    ${a.title.padEnd(26)} ${a.displayValue}`);
    }
    for (const a of Object.values(lhr.audits)) {
      if (a.score !== null && a.score < 1 && a.scoreDisplayMode === "binary") console.log(`    failed: ${a.id}: ${a.title}`);
    }
  } finally {
    await page.close();
  }
}

// demoPages returns the demo's pages worth auditing: the live page, the
// permalink of the oldest post it links to, and the ended event.
async function demoPages(origin) {
  const live = `${origin}/live/storm-elowen`;
  const resp = await fetch(live);
  if (!resp.ok) throw new Error(`GET ${live}: ${resp.status}; is the demo running (make run)?`);
  const permalinks = [...(await resp.text()).matchAll(/href="(\/live\/storm-elowen\/posts\/\d+)"/g)].map((m) => m[1]);
  const pages = [live];
  if (permalinks.length > 0) pages.push(origin + permalinks[permalinks.length - 1]);
  pages.push(`${origin}/live/westermouth-half-marathon`);
  return pages;
}
