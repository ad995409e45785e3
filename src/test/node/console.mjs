// The operator console (/console) in headless Chromium, driven by playwright-core (run by ConsoleBrowserTest).
// Usage: ADMIN_URL=http://127.0.0.1:9876 API_URL=http://127.0.0.1:8080 ADMIN_KEY=... SHOTS=dir \
//        [CHROMIUM=/usr/bin/chromium] node console.mjs dashboard|keys|replay
// Prints one JSON line: what the page showed, what the admin API said, and every console error the page had.
import { chromium } from "playwright-core";

const phase = process.argv[2];
const { ADMIN_URL, API_URL, ADMIN_KEY, SHOTS } = process.env;
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const out = { phase, consoleErrors: [] };

async function admin(path) {
  const r = await fetch(ADMIN_URL + path, { headers: { Authorization: "Bearer " + ADMIN_KEY } });
  return r.json();
}

async function chat(key, text) {
  const r = await fetch(API_URL + "/v1/chat/completions", {
    method: "POST",
    headers: { Authorization: "Bearer " + key, "Content-Type": "application/json" },
    body: JSON.stringify({ model: "gpt-4.1", messages: [{ role: "user", content: text }] }),
  });
  await r.text();
  return r.status;
}

/** The dashboard as the page shows it: totals and one object per deployment row, keyed by data-field. */
async function dashboard(page) {
  return page.evaluate(() => {
    const totals = {};
    document.querySelectorAll("[data-total]").forEach((c) => { totals[c.dataset.total] = c.textContent; });
    const providers = {};
    document.querySelectorAll("#providers tbody tr").forEach((tr) => {
      const row = {};
      tr.querySelectorAll("[data-field]").forEach((c) => { row[c.dataset.field] = c.textContent; });
      providers[tr.dataset.deployment] = row;
    });
    return { totals, providers };
  });
}

/** The same fields from /admin/providers, written as the page writes them. */
function expected(status) {
  const totals = {};
  for (const [k, v] of Object.entries(status.totals)) totals[k] = String(v);
  const providers = {};
  for (const p of status.providers) {
    providers[p.deployment] = {
      deployment: p.deployment, provider: p.provider, model: p.model, status: p.status,
      breaker: p.breaker.state + " (" + Math.max(0, p.breaker.failure_rate_percent).toFixed(0) + " %)",
      cooldown_s: String(Math.ceil(p.cooldown_remaining_ms / 1000)), requests: String(p.requests),
      success_rate_percent: String(p.success_rate_percent), fallbacks: String(p.fallbacks),
      p50: String(p.latency_ms.p50), p95: String(p.latency_ms.p95), p99: String(p.latency_ms.p99),
    };
  }
  return { totals, providers };
}

function same(page, api) {
  // the fields /admin/providers has, in its order
  const picked = { totals: Object.fromEntries(Object.keys(api.totals).map((k) => [k, page.totals[k]])), providers: {} };
  for (const [d, row] of Object.entries(page.providers)) {
    picked.providers[d] = Object.fromEntries(Object.keys(api.providers[d] || {}).map((k) => [k, row[k]]));
  }
  return JSON.stringify(picked) === JSON.stringify(api);
}

const browser = await chromium.launch({ executablePath, headless: true, args: ["--no-sandbox"] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.on("console", (m) => { if (m.type() === "error") out.consoleErrors.push(m.text() + " @ " + JSON.stringify(m.location())); });
  page.on("pageerror", (e) => out.consoleErrors.push("uncaught: " + e.message));
  page.on("requestfailed", (r) => out.consoleErrors.push("request failed: " + r.url() + " " + r.failure()?.errorText));
  page.on("request", (r) => { if (!r.url().startsWith(ADMIN_URL) && !r.url().startsWith("data:")) out.consoleErrors.push("off-origin: " + r.url()); });

  await page.goto(ADMIN_URL + "/console#" + phase.replace("replay", "requests"));
  // auth is on: the page asks for the admin key before its first admin call
  await page.locator("#login-form").waitFor({ state: "visible" });
  out.askedForKey = true;
  await page.fill("#admin-key", ADMIN_KEY);
  await page.click("#login-form button[type=submit]");
  out.keyInUrl = page.url().includes(ADMIN_KEY);

  if (phase === "dashboard") {
    await page.locator("#providers tbody tr").first().waitFor();
    // the page polls every 2 s: wait until a poll shows what the admin API says, read twice to be sure it is still
    let api;
    let shown;
    const until = Date.now() + 20000;
    do {
      await page.waitForTimeout(500);
      api = expected(await admin("/admin/providers"));
      shown = await dashboard(page);
    } while (!(same(shown, api) && JSON.stringify(expected(await admin("/admin/providers"))) === JSON.stringify(api))
      && Date.now() < until);
    out.page = shown;
    out.api = api;
    out.equal = same(shown, api);
    out.rate = await page.textContent("#rate");
    out.usageNote = await page.textContent("#usage-note");
    out.charts = await page.locator(".charts .uplot").count();
    await page.screenshot({ path: SHOTS + "/console-dashboard.png", fullPage: true });
  } else if (phase === "keys") {
    await page.locator("#key-form").waitFor({ state: "visible" });
    await page.fill("#key-form input[name=owner]", "browser-test");
    await page.fill("#key-form input[name=monthly_budget_usd]", "5");
    await page.click("#key-form button[type=submit]");
    await page.locator("#created-secret").waitFor({ state: "visible" });
    const secret = (await page.textContent("#created-secret")).trim();
    const id = await page.getAttribute("#created-secret", "data-key-id");
    out.keyId = id;
    out.secret = secret;
    out.before = await chat(secret, "before the revoke");
    const row = page.locator(`#key-list tr[data-key-id="${id}"]`);
    await row.waitFor();
    out.budgetShown = await row.locator("td").nth(6).textContent();
    await row.locator("button[data-revoke]").click(); // arms the button
    await row.locator("button[data-revoke]").click(); // confirms
    await page.locator(`#key-list tr[data-key-id="${id}"] [data-field=state]`).filter({ hasText: "revoked" }).waitFor();
    out.stateShown = "revoked";
    out.after = await chat(secret, "after the revoke");
    await page.screenshot({ path: SHOTS + "/console-keys.png", fullPage: true });
  } else if (phase === "replay") {
    // the request that fell back (its attempts column shows more than one provider)
    const row = page.locator("#request-list tbody tr", { hasText: "→" }).first();
    await row.waitFor({ timeout: 20000 });
    out.requestId = await row.getAttribute("data-request-id");
    await row.click();
    await page.locator("#original-attempts tbody tr").first().waitFor();
    const replayed = page.waitForResponse((r) => r.url().endsWith("/admin/replay"));
    await page.click("#replay");
    out.response = await (await replayed).json();
    await page.locator("#replay-attempts tbody tr").first().waitFor();
    const cells = (sel) => page.$$eval(sel + " tbody tr", (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
    out.originalShown = await cells("#original-attempts");
    out.replayShown = await cells("#replay-attempts");
    out.replayId = await page.textContent("#replay-id");
    await page.screenshot({ path: SHOTS + "/console-replay.png", fullPage: true });
  }
  await page.waitForTimeout(300); // a late console error of the last poll is still counted
} finally {
  await browser.close();
}
console.log(JSON.stringify(out));
