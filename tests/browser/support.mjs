// Shared set-up of the browser tests: a real `zhili demo` on a free port with a fresh data
// directory, and Debian's Chromium driven by playwright-core. Each test file calls
// `useZhiliDemo()` once at the top level; its `before` starts both and its `after` stops them.
import { before, after } from "node:test";
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import net from "node:net";
import { chromium } from "playwright-core";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const bin = process.env.ZHILI_BIN || join(root, "target", "release", "zhili");
/**
 * Where screenshots go: a temporary directory, so a test run leaves the tree clean. To refresh
 * the README's pictures run `ZHILI_SCREENSHOTS=1 node --test` (they go to docs/screenshots/).
 */
export const shots = process.env.ZHILI_SCREENSHOTS ? join(root, "docs", "screenshots") : join(tmpdir(), "zhili-screenshots");
/** Every demo account's password. */
export const DEMO_PASSWORD = "zhili-demo";

export const DESKTOP = { width: 1200, height: 900 };
export const PHONE = { width: 390, height: 844 };

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => { const p = s.address().port; s.close(() => resolve(p)); });
    s.on("error", reject);
  });
}

async function waitHealthy(url, ms, exited) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (exited()) throw new Error(`zhili demo exited before it was healthy at ${url}`);
    try { if ((await fetch(url)).ok) return; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`zhili demo not healthy at ${url} within ${ms} ms`);
}

/** Stop the server and wait for it to exit (it has 10 s to shut down gracefully). */
function stop(server) {
  if (!server || server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => server.kill("SIGKILL"), 10_000);
    server.once("exit", () => { clearTimeout(t); resolve(); });
    server.kill("SIGTERM");
  });
}

/**
 * Registers the file's `before`/`after` hooks and returns an object that holds, once `before`
 * has run, `base` (the server's http://127.0.0.1:PORT) and `browser` (a launched Chromium).
 */
export function useZhiliDemo() {
  const env = { base: "", browser: null };
  let server, dataDir;
  before(async () => {
    const port = await freePort();
    env.base = `http://127.0.0.1:${port}`;
    dataDir = mkdtempSync(join(tmpdir(), "zhili-browser-"));
    server = spawn(bin, ["demo", "--addr", `127.0.0.1:${port}`, "--data-dir", dataDir], { stdio: ["ignore", "inherit", "inherit"] });
    await waitHealthy(`${env.base}/healthz`, 60_000, () => server.exitCode !== null || server.signalCode !== null);
    env.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    mkdirSync(shots, { recursive: true });
  });
  after(async () => {
    await env.browser?.close();
    await stop(server);
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return env;
}

/** A fresh browser context (its own cookies: one person) and a page in it. */
export async function newPage(env, viewport = DESKTOP) {
  const context = await env.browser.newContext({ viewport, locale: "zh-CN" });
  return context.newPage();
}

/** Sign in on the login page as a demo account; lands on the home page. */
export async function signIn(env, page, username) {
  await page.goto(`${env.base}/login`);
  await page.getByLabel("用户名").fill(username);
  await page.getByLabel("密码").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(`${env.base}/`);
}
