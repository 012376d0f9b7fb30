// Drives the avfuse dashboard in Debian's headless Chromium (DashboardITCase starts it).
//
// Environment: DASHBOARD_URL, STREAMS (comma-separated stream ids), WINDOWS (windows expected per
// stream), DEGRADED_STREAMS (streams that must show a degraded period), QUERY, AGAINST,
// EXPECT_STREAM and EXPECT_START (the window the query must find first), SCREENSHOT (PNG path),
// CHROMIUM (default /usr/bin/chromium), TIMEOUT_MS.
// Protocol on stdout: "READY" once the page is open and live (the test then produces the input),
// "OK ..." lines for each check, exit 0 when every check passed; any failure exits 1 with "FAIL".
import { chromium } from "playwright-core";

const env = (k, d) => {
  const v = process.env[k] ?? d;
  if (v === undefined) throw new Error(`missing environment variable ${k}`);
  return v;
};
const url = env("DASHBOARD_URL");
const streams = env("STREAMS").split(",");
const perStream = Number(env("WINDOWS"));
const degradedStreams = env("DEGRADED_STREAMS", "").split(",").filter(Boolean);
const timeout = Number(env("TIMEOUT_MS", "120000"));

const browser = await chromium.launch({
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
});
let failed = false;
let page;
try {
  page = await browser.newPage({ viewport: { width: 1500, height: 1000 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && !m.text().includes("404") && errors.push(m.text()));
  await page.goto(url);
  await page.locator("#connection.on").waitFor({ timeout: 30000 });
  const initial = await page.locator("svg.timeline rect.win").count();
  console.log(`READY ${initial}`);

  // Data appears through the event stream, without reloading the page.
  for (const s of streams) {
    const bars = page.locator(`.stream[data-stream="${s}"] svg.timeline rect.win`);
    await page.waitForFunction(
      ([sel, n]) => document.querySelectorAll(sel).length >= n,
      [`.stream[data-stream="${s}"] svg.timeline rect.win`, perStream],
      { timeout },
    );
    console.log(`OK stream ${s}: ${await bars.count()} windows drawn`);
  }
  for (const s of degradedStreams) {
    await page.locator(`.stream[data-stream="${s}"] svg.timeline rect.degraded`).first().waitFor({ timeout: 10000 });
    console.log(`OK stream ${s}: degraded period highlighted`);
  }
  for (const s of streams.filter((x) => !degradedStreams.includes(x))) {
    const n = await page.locator(`.stream[data-stream="${s}"] svg.timeline rect.degraded`).count();
    if (n !== 0) throw new Error(`stream ${s} has ${n} degraded bands but lost no modality`);
  }
  // Thumbnails: real images, decoded by the browser.
  await page.waitForFunction(
    () => [...document.querySelectorAll(".thumbs img")].some((i) => i.complete && i.naturalWidth > 0),
    null,
    { timeout: 20000 },
  );
  const thumbs = await page.$$eval(".thumbs img", (is) => is.filter((i) => i.naturalWidth > 0).length);
  console.log(`OK thumbnails: ${thumbs} loaded`);
  // Latency percentiles are filled in.
  await page.waitForFunction(
    () => {
      const td = document.querySelector('#latency tr[data-kind="MODEL_CALL"] td:nth-child(2)');
      return td && td.textContent !== "–";
    },
    null,
    { timeout: 10000 },
  );
  const p50 = await page.textContent('#latency tr[data-kind="MODEL_CALL"] td:nth-child(2)');
  console.log(`OK latency: model call p50 ${p50}`);

  // Search.
  await page.selectOption("#search-against", env("AGAINST", "window"));
  await page.fill("#search-input", env("QUERY"));
  await page.press("#search-input", "Enter");
  const first = page.locator("#results .result").first();
  await first.waitFor({ timeout: 30000 });
  const got = await first.evaluate((li) => ({ stream: li.dataset.stream, start: li.dataset.start, text: li.innerText }));
  const results = await page.locator("#results .result").count();
  console.log(`OK search: ${results} results, first ${got.stream}@${got.start}: ${got.text.replace(/\s+/g, " ")}`);
  if (process.env.EXPECT_STREAM && (got.stream !== env("EXPECT_STREAM") || got.start !== env("EXPECT_START"))) {
    throw new Error(`search found ${got.stream}@${got.start} first, expected ${env("EXPECT_STREAM")}@${env("EXPECT_START")}`);
  }
  await page.waitForTimeout(300); // let the result thumbnails decode
  await page.screenshot({ path: env("SCREENSHOT"), fullPage: true });
  console.log(`OK screenshot ${env("SCREENSHOT")}`);
  if (errors.length) throw new Error("errors in the page: " + errors.join("; "));
} catch (e) {
  failed = true;
  console.log(`FAIL ${e && e.stack ? e.stack : e}`);
  const shot = env("SCREENSHOT").replace(/\.png$/, "-failed.png");
  if (page) await page.screenshot({ path: shot, fullPage: true }).then(() => console.log(`screenshot ${shot}`), () => {});
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
