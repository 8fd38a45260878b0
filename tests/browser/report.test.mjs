// Browser test: a city leader publishes this month's 平安指数 report from the archive page and
// reads it — the choropleth map of the counties, the ranking of all 13 county-level units,
// the warnings, each county's rank interval — and the page prints without the site's header;
// then opens 部门数据上报 from the archive. Against a real `zhili demo`
// (which seeds the current and previous months' figures) in Debian's Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useZhiliDemo, newPage, signIn, shots } from "./support.mjs";

const env = useZhiliDemo();

test("a leader publishes an issue and reads its map and ranking", async () => {
  const page = await newPage(env);
  await signIn(env, page, "leader");
  await page.getByRole("link", { name: "指数报告", exact: true }).click();
  await page.waitForURL(/\/reports$/);
  assert.match(await page.locator("#archive").innerText(), /尚未发布报告/);

  await page.getByLabel("指数").selectOption("safety");
  await page.getByRole("button", { name: "发布新一期" }).click();
  await page.waitForURL(/\/reports\/safety\/1$/);
  assert.match(await page.locator("h1").innerText(), /平安指数.*第1期/);

  const map = page.locator("svg#report-map");
  await map.waitFor({ state: "visible" });
  assert.ok((await map.locator("path").count()) >= 11, "every county outline is drawn");
  const box = await map.boundingBox();
  assert.ok(box && box.width > 300 && box.height > 200, "the map has a real size");

  const rows = page.locator("table#ranking tbody tr");
  assert.equal(await rows.count(), 13, "all 13 county-level units are ranked");
  assert.ok(await page.locator("table#ranking").isVisible());
  assert.match(await rows.first().innerText(), /^1\s/);
  assert.match(await page.locator("table#ranking thead").innerText(), /排名区间/);
  assert.equal(await page.locator("table#ranking td.interval").count(), 13, "a rank interval per county");
  assert.match(await page.locator("#sensitivity-note").innerText(), /1,000 次蒙特卡洛模拟/);
  assert.match(await page.content(), /高新技术产业开发区/);
  assert.ok((await page.locator("table.warnings tbody tr").count()) >= 1, "the seeded data raises warnings");
  assert.ok((await page.locator("svg.spark").count()) === 13, "a trend line per county");
  await page.screenshot({ path: join(shots, "report.png"), fullPage: true });

  await page.emulateMedia({ media: "print" });
  assert.equal(await page.locator("header.top").isVisible(), false, "the print view leaves out the site header");
  assert.ok(await map.isVisible(), "and keeps the map");
  await page.emulateMedia({ media: "screen" });

  await page.goto(`${env.base}/reports`);
  assert.match(await page.locator("#archive").innerText(), /第1期/);

  // 部门数据上报: the demo's figures are listed as uploads, with who sent them.
  await page.getByRole("link", { name: "部门数据上报", exact: true }).click();
  await page.waitForURL(/\/reports\/data$/);
  assert.match(await page.locator("table#uploads").innerText(), /演示数据/);
  assert.ok(await page.locator("#upload-form input[type=file]").isVisible());
});
