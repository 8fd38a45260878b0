// Browser tests of the registry against one real `zhili demo` in Debian's Chromium: the grid
// worker on a phone (the grid's map and buildings, a visit, a problem reported and one closed
// on the spot, both in the recent list), and the 芝罘区 dispatcher on 人口房屋 (masked
// residents, a reveal with a purpose showing the full ID number, a masked export) with the
// auditor then finding that reveal in the audit log.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useZhiliDemo, newPage, signIn, shots, PHONE } from "./support.mjs";

const env = useZhiliDemo();

test("a grid worker on a phone sees the grid, records a visit and reports problems", async () => {
  const page = await newPage(env, PHONE);
  await signIn(env, page, "youyi-grid");
  await page.goto(`${env.base}/grid`);
  const map = page.locator("svg#grid-map");
  await map.waitFor({ state: "visible" });
  const box = await map.boundingBox();
  assert.ok(box && box.width > 300 && box.width <= PHONE.width, "the map fits the phone's width");
  assert.ok((await map.locator("circle").count()) >= 1, "the grid's buildings are on the map");
  const buildings = page.locator("section", { hasText: "我的楼栋" }).locator("tbody tr");
  assert.ok((await buildings.count()) >= 1, "my buildings are listed");

  // A visit to the first building.
  const visit = page.locator("form[action='/grid/visits']");
  await visit.getByLabel("楼栋").selectOption({ index: 1 });
  await visit.getByLabel("走访情况").fill("三单元楼道灯不亮，已告知物业");
  await visit.getByRole("button", { name: "保存走访记录" }).click();
  await page.waitForURL(/ok=visit/);
  assert.match(await page.locator("p.ok").innerText(), /走访记录已保存/);

  // A problem reported up: a case, which the recent list links to.
  const report = page.locator("form[action='/grid/report']");
  await report.getByLabel("楼栋（用于定位）").selectOption({ index: 1 });
  await report.getByLabel("标题").fill("消防通道堆放杂物");
  await report.getByLabel("情况描述").fill("二号楼东侧消防通道堆满纸箱");
  await report.getByRole("button", { name: "上报", exact: true }).click();
  await page.waitForURL(/\/cases\/\d+$/);
  const reported = page.url().match(/\/cases\/(\d+)$/)[1];
  assert.match(await page.locator(".badge.state").innerText(), /待受理/);

  // A problem fixed there and then: created already resolved, for the dispatcher to verify.
  await page.goto(`${env.base}/grid`);
  await report.getByLabel("标题").fill("井盖松动");
  await report.getByLabel("情况描述").fill("小区北门井盖松动");
  await report.getByRole("checkbox", { name: /已就地解决/ }).check();
  await report.getByLabel(/处理情况/).fill("已联系物业固定井盖");
  await report.getByRole("button", { name: "上报", exact: true }).click();
  await page.waitForURL(/\/cases\/\d+$/);
  const solved = page.url().match(/\/cases\/(\d+)$/)[1];
  assert.match(await page.locator(".badge.state").innerText(), /已办结/);

  await page.goto(`${env.base}/grid`);
  const recent = page.locator("section", { hasText: "最近走访" });
  assert.match(await recent.innerText(), /发现问题并上报：消防通道堆放杂物/);
  assert.match(await recent.innerText(), /发现问题并就地解决：井盖松动/);
  assert.equal(await recent.locator(`a[href='/cases/${reported}']`).count(), 1);
  assert.equal(await recent.locator(`a[href='/cases/${solved}']`).count(), 1);
  await page.screenshot({ path: join(shots, "grid-phone.png"), fullPage: true });
});

test("a dispatcher reveals one resident with a purpose and the auditor sees it", async () => {
  const page = await newPage(env);
  await signIn(env, page, "zhifu-dispatcher");
  await page.goto(`${env.base}/registry`);
  const rows = page.locator("section", { hasText: "身份证号与电话已脱敏" }).locator("tbody tr");
  assert.ok((await rows.count()) >= 10, "residents are listed");
  const first = rows.first();
  assert.match(await first.innerText(), /\d{6}\*{8}\d{3}[\dX]/, "ID numbers are masked");
  const action = await first.locator("form").getAttribute("action");
  const id = action.match(/residents\/(\d+)\/reveal/)[1];

  // The export link gives the same masked view, with this session.
  const href = await page.getByRole("link", { name: "CSV" }).last().getAttribute("href");
  assert.match(href, /\/registry\/export\/residents/);
  const csv = await (await page.request.get(`${env.base}${href}`)).text();
  assert.ok(csv.split("\n").length > 10 && /\*{8}/.test(csv) && !/\d{17}[\dX]/.test(csv), "the export is masked");

  await first.getByLabel("查看用途").fill("核实矛盾纠纷当事人身份");
  await first.getByRole("button", { name: "查看" }).click();
  const full = page.locator("section[aria-label='完整信息']");
  await full.waitFor({ state: "visible" });
  assert.match(await full.innerText(), /\d{17}[\dX]/, "the full ID number is shown");

  const audit = await newPage(env);
  await signIn(env, audit, "auditor");
  await audit.goto(`${env.base}/audit?action=resident.reveal`);
  const entry = audit.locator("tbody tr", { hasText: `resident:${id}` });
  assert.equal(await entry.count(), 1, "the reveal is in the log");
  const text = await entry.innerText();
  assert.match(text, /zhifu-dispatcher/);
  assert.match(text, /核实矛盾纠纷当事人身份/);
  await audit.goto(`${env.base}/audit?action=registry.export`);
  assert.match(await audit.locator("tbody").innerText(), /kind=residents format=csv rows=\d+/);
});
