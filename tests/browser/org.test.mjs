// Browser test: sign in on the login page and browse the organisation tree from the city
// down to a community, in Debian's Chromium driven by playwright-core, against a real
// `zhili demo` on a fresh data directory. Screenshots go to docs/screenshots/ for the README.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useZhiliDemo, newPage, shots } from "./support.mjs";

const env = useZhiliDemo();

test("a dispatcher signs in and browses from the county to a community", async () => {
  const base = env.base;
  const page = await newPage(env);
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
