// Browser check of the streamer serve console, driven by internal/serve's TestConsoleInBrowser.
// It loads the page in Debian's chromium, enters the token, and checks what a person sees.
// Input (environment): CONSOLE_URL, CONSOLE_TOKEN, CONSOLE_USER (a raw user id with a profile),
// CONSOLE_PSEUDONYM (its pseudonym), CONSOLE_SEGMENTS (k), CONSOLE_SCREENSHOT (png path),
// CHROMIUM (default /usr/bin/chromium). Output: one "CHECK ok|FAIL <name>: <detail>" line per
// check and a last line "CHECKS <passed> <failed>".
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const env = (k, d) => process.env[k] ?? d;
const url = env("CONSOLE_URL");
const token = env("CONSOLE_TOKEN");
const rawUser = env("CONSOLE_USER");
const pseudonym = env("CONSOLE_PSEUDONYM");
const k = Number(env("CONSOLE_SEGMENTS", "0"));
const shot = env("CONSOLE_SCREENSHOT", "console.png");

let passed = 0, failed = 0;
function check(name, ok, detail = "") {
  if (ok) passed++; else failed++;
  console.log(`CHECK ${ok ? "ok" : "FAIL"} ${name}: ${detail}`);
}

const profileDir = mkdtempSync(join(tmpdir(), "console-chromium-"));
const ctx = await chromium.launchPersistentContext(profileDir, {
  executablePath: env("CHROMIUM", "/usr/bin/chromium"),
  headless: true,
  viewport: { width: 1280, height: 1000 },
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  timeout: 60000,
});
const pageErrors = [];
try {
  const page = ctx.pages()[0] ?? (await ctx.newPage());
  page.setDefaultTimeout(20000);
  page.on("pageerror", (e) => pageErrors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error" && !/401|404/.test(m.text())) pageErrors.push(m.text()); });

  await page.goto(url);
  check("login form shown first", await page.isVisible("#token") && !(await page.isVisible("#app")));

  await page.fill("#token", "wrong-token-0123456789");
  await page.click("#connect");
  await page.waitForSelector("#login-error:not(:empty)");
  const loginErr = await page.textContent("#login-error");
  check("a wrong token is refused", /Not accepted/.test(loginErr) && !(await page.isVisible("#app")), loginErr);

  await page.fill("#token", token);
  await page.click("#connect");
  await page.waitForSelector("body[data-ready='1']");
  check("the right token connects", await page.isVisible("#app") && (await page.textContent("#conn")) === "connected");

  const segPts = await page.locator("#segmap circle.seg-pt").count();
  check("segment map draws one point per segment", segPts === k, `${segPts} centroids, want ${k}`);
  const userPts = await page.locator("#segmap circle.user-pt").count();
  check("segment map draws sampled users", userPts >= 2 * k, `${userPts} user points`);
  const inside = await page.$$eval("#segmap circle", (cs) => cs.every((c) => {
    const x = +c.getAttribute("cx"), y = +c.getAttribute("cy");
    return x >= 0 && x <= 520 && y >= 0 && y <= 380;
  }));
  check("every map point lies inside the map", inside);
  const labels = await page.locator("#segmap text").allTextContents();
  check("segments are labelled on the map", labels.length === k && labels.every((l) => l.trim().length > 2), labels.join(" | "));

  const rows = await page.$$eval("#segments-table tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent.trim())));
  check("segment table has a row per segment", rows.length === k, `${rows.length} rows`);
  const sizes = rows.map((r) => Number(r[2]));
  check("segment sizes are shown and add up to users", sizes.every((n) => Number.isInteger(n)) && sizes.reduce((a, b) => a + b, 0) > 0, sizes.join(","));
  check("each segment has a label and top categories", rows.every((r) => r[1].length > 0 && r[4] !== "-"), rows.map((r) => r[1]).join(" | "));
  check("each segment shows a trend", rows.every((r) => /[+-]?\d+$/.test(r[3])), rows.map((r) => r[3]).join(" | "));

  const churnRows = await page.locator("#churn tbody tr").count();
  check("churn table lists the users most at risk", churnRows === 10, `${churnRows} rows`);
  const bars = await page.locator("#churn-hist div").count();
  check("churn histogram has 10 deciles", bars === 10);

  const worker = await page.textContent("#worker-health");
  check("operations panel shows the worker ready", /ready/.test(worker) && (await page.locator("#worker-health .pill.ready").count()) === 1, worker);
  const lagRows = await page.locator("#lag-table tbody tr").count();
  const lagText = await page.textContent("#lag-health");
  check("operations panel shows lag per partition", lagRows > 0 && /total lag \d+ messages/.test(lagText), `${lagRows} partitions; ${lagText}`);

  // Look up a user by raw id.
  await page.selectOption("#lookup-kind", "raw");
  await page.fill("#lookup-id", rawUser);
  await page.click("#lookup");
  await page.waitForSelector("#user:not([hidden])");
  const prof = await page.textContent("#profile");
  check("lookup by raw id shows the profile", prof.includes(pseudonym) && /events\s*\d+/.test(prof), prof.slice(0, 160));
  check("the profile shows the user's segment", /segment\s*\d+ · \S/.test(prof));
  check("the profile shows a churn risk", /churn risk\s*[01]\.\d{3}/.test(prof));
  // Interests as a marketer reads them: each row of top terms, categories and items is
  // "<name> <share>%", the shares of one list add up to about 100 (never all 0%, whatever the
  // time the weights are decayed to), the names are words, not ids.
  const interest = await page.$$eval("#profile dt", (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent.trim(),
    [...dt.nextElementSibling.querySelectorAll(".bars > div")].map((d) => d.textContent.trim())])));
  const shares = (rows) => rows.map((r) => { const m = /^(.+?) (<?\d+)%$/.exec(r); return m ? [m[1], Number(m[2].replace("<", ""))] : null; });
  const readable = (name, min, words) => {
    const rows = shares(interest[name] || []);
    const sum = rows.reduce((a, r) => a + (r ? r[1] : 0), 0);
    const ok = rows.length >= min && rows.every((r) => r !== null && (!words || /\p{L}{2}/u.test(r[0]))) && sum >= 90 && sum <= 110 && rows[0][1] > 0;
    check(`the profile shows readable ${name} with their shares`, ok, (interest[name] || []).join(" | "));
  };
  readable("top terms", 3, true);
  readable("top categories", 1, true);
  readable("top items", 1, false);
  check("the profile shows the recent items with their kind and time", /recent items\s*\S+ \(\w+, \d{4}-\d\d-\d\d/.test(prof), prof.slice(-200));
  const recRows = await page.locator("#recs tbody tr").count();
  check("recommendations are listed", recRows > 0, `${recRows} items; ${await page.textContent("#recs-source")}`);
  const laRows = await page.locator("#lookalikes tbody tr").count();
  check("look-alikes are listed", laRows === 10, `${laRows} users`);
  await page.screenshot({ path: shot, fullPage: true });

  // Following a look-alike looks that user up.
  const other = (await page.locator("#lookalikes tbody tr a.ps").first().textContent()).trim();
  await page.locator("#lookalikes tbody tr a.ps").first().click();
  await page.waitForFunction((ps) => document.querySelector("#profile").textContent.includes(ps), other);
  check("clicking a look-alike opens its profile", (await page.inputValue("#lookup-id")) === other, other);

  await page.selectOption("#lookup-kind", "raw");
  await page.fill("#lookup-id", "no-such-user-anywhere");
  await page.click("#lookup");
  await page.waitForSelector("#lookup-error:not(:empty)");
  check("an unknown user says so", (await page.textContent("#lookup-error")).includes("No profile"), await page.textContent("#lookup-error"));

  await page.reload();
  await page.waitForSelector("body[data-ready='1']");
  check("the token is kept for the session", await page.isVisible("#app"));
  await page.click("#signout");
  const stored = await page.evaluate(() => sessionStorage.getItem("ps-token"));
  check("sign out forgets the token", stored === null && (await page.isVisible("#token")));

  check("no script errors", pageErrors.length === 0, pageErrors.join(" | "));
} catch (e) {
  check("script ran to the end", false, String(e).split("\n")[0]);
} finally {
  await ctx.close();
  rmSync(profileDir, { recursive: true, force: true });
}
console.log(`CHECKS ${passed} ${failed}`);
process.exit(failed === 0 ? 0 : 1);
