// Browser test: sign in on the login page and browse the organisation tree from the city
// down to a community, in Debian's Chromium driven by playwright-core, against a real
// `zhili demo` on a fresh data directory. Screenshots go to docs/screenshots/ for the README.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { chromium } from "playwright-core";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bin = process.env.ZHILI_BIN || join(root, "target", "release", "zhili");
const shots = join(root, "docs", "screenshots");
let server, base, browser, dataDir;

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on("error", reject);
  });
}

async function waitHealthy(url, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`zhili demo not healthy at ${url} within ${ms} ms`);
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), "zhili-browser-"));
  server = spawn(bin, ["demo", "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir], { stdio: ["ignore", "inherit", "inherit"] });
  await waitHealthy(`${base}/healthz`, 60_000);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  await browser?.close();
  server?.kill("SIGTERM");
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

test("a dispatcher signs in and browses from the county to a community", async () => {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, locale: "zh-CN" });
  await page.goto(`${base}/org`);
  assert.match(page.url(), /\/login$/, "an anonymous visitor is sent to the login page");
  await page.getByLabel("用户名").fill("zhifu-dispatcher");
  await page.getByLabel("密码").fill("wrong-password");
  await page.getByRole("button", { name: "登录" }).click();
  await page.getByRole("alert").waitFor();
  assert.match(await page.getByRole("alert").innerText(), /用户名或密码错误/);

  await page.getByLabel("用户名").fill("zhifu-dispatcher");
  await page.getByLabel("密码").fill("zhili-demo");
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(`${base}/`);
  assert.match(await page.locator("h1").innerText(), /您好/);
  await page.screenshot({ path: join(shots, "home.png") });

  await page.getByRole("link", { name: "组织架构", exact: true }).click();
  await page.waitForURL(/\/org\/370602000000$/);
  assert.match(await page.locator("h1").innerText(), /芝罘区/);
  await page.screenshot({ path: join(shots, "org-county.png"), fullPage: false });

  await page.getByRole("link", { name: "向阳街道", exact: true }).click();
  await page.waitForURL(/\/org\/370602001000$/);
  const rows = page.locator("table.list").first().locator("tbody tr");
  assert.equal(await rows.count(), 8, "向阳街道 lists its 8 communities");
  await page.getByRole("link", { name: "友谊街社区", exact: true }).click();
  await page.waitForURL(/\/org\/370602001001$/);
  assert.match(await page.content(), /友谊街社区人民调解委员会/);

  // Search stays inside the user's subtree: 芝罘区 sees its own 向阳, not other counties' units.
  await page.getByLabel("搜索").fill("向阳");
  await page.getByRole("button", { name: "搜索" }).click();
  assert.match(await page.content(), /370602001000/);

  // Outside the jurisdiction: 404, not 403.
  const resp = await page.goto(`${base}/org/370611000000`);
  assert.equal(resp.status(), 404);

  // Phone width: the same page stays readable (no horizontal scroll on the table).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${base}/org/370602001000`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
  assert.equal(overflow, false, "no horizontal scrolling on a phone");
  await page.screenshot({ path: join(shots, "org-township-phone.png") });

  await page.setViewportSize({ width: 1200, height: 900 });
  await page.getByRole("button", { name: "退出" }).click();
  await page.waitForURL(/\/login$/);
});
