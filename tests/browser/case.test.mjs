// Browser test: a walk-in neighbour dispute through its whole life, every step in Chromium as
// the person who takes it: the window clerk registers it, the dispatcher accepts it and lets
// the routing rules assign it (→ the community's mediation committee), the mediator finds it
// on the workbench, starts and settles it with written terms (and the printable agreement
// shows them), the dispatcher verifies and closes it, and a resident with the tracking code
// sees it closed, with nobody's name or phone on the page, and rates it. Last, the JSON API's
// statistics count it. Screenshots go to docs/screenshots/ for the README.
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { useZhiliDemo, newPage, signIn, shots, PHONE, DEMO_PASSWORD } from "./support.mjs";

const env = useZhiliDemo();

const COMMUNITY = "370602001001"; // 友谊街社区, 向阳街道, 芝罘区
const COMMITTEE = "友谊街社区人民调解委员会"; // 370602001001-M01
const applicant = { name: "王秀兰", phone: "13800000001" };
const respondent = { name: "李建国", phone: "13900000002" };
const TITLE = "楼上夜间噪音影响休息";
const TERMS = "一、李建国自即日起每晚二十二时后不在室内进行装修、健身等产生噪音的活动；\n二、李建国在客厅铺设隔音地垫，于十日内完成；\n三、双方互谅互让，今后发生矛盾先找社区调解。";

/** A full-page screenshot no taller than `max` px (the README shows it at a glance). */
async function shotPage(page, path, max = 1600) {
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  const vp = page.viewportSize();
  await page.setViewportSize({ width: vp.width, height: Math.min(height, max) });
  await page.screenshot({ path });
  await page.setViewportSize(vp);
}

/** The text of the case page's fact `label` (the 案件信息 list). */
async function fact(page, label) {
  return page.locator("dl.facts dt", { hasText: label }).locator("xpath=following-sibling::dd[1]").innerText();
}

/** Submit one of the case page's action forms by its button and wait for the page again. */
async function act(page, button) {
  await Promise.all([
    page.waitForURL(/\/cases\/\d+$/, { waitUntil: "load" }),
    page.getByRole("button", { name: button, exact: true }).click(),
  ]);
  const alerts = page.getByRole("alert");
  assert.equal(await alerts.count(), 0, `「${button}」 was refused: ${(await alerts.allInnerTexts()).join(" ")}`);
}

/** The leader's statistics for 芝罘区 over all time (the demo also holds seeded cases). */
async function zhifuStats(base) {
  const login = await fetch(`${base}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "leader", password: DEMO_PASSWORD }),
  });
  assert.equal(login.status, 200);
  const { token } = await login.json();
  const res = await fetch(`${base}/api/v1/stats?division=370602000000&from=2000-01-01&to=2100-01-01`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return res.json();
}

test("a walk-in neighbour dispute goes from the window to a rated, counted close", async () => {
  const { base } = env;
  const before = await zhifuStats(base);

  // 1. The window clerk registers the dispute.
  const clerk = await newPage(env);
  await signIn(env, clerk, "xiangyang-clerk");
  await clerk.getByRole("navigation").getByRole("link", { name: "登记", exact: true }).click();
  await clerk.waitForURL(/\/cases\/new$/);
  assert.match(await clerk.locator("h1").innerText(), /登记案件/);
  await clerk.getByLabel("类型").selectOption({ label: "矛盾纠纷" });
  await clerk.getByLabel("类别").selectOption({ label: "邻里" });
  await clerk.getByLabel("来源渠道").selectOption({ label: "窗口" });
  await clerk.getByLabel("村居代码").fill(COMMUNITY);
  await clerk.getByLabel("地址").fill("友谊街 12 号楼 3 单元");
  await clerk.getByLabel("标题").fill(TITLE);
  await clerk.getByLabel("事实与诉求").fill("申请人住 302 室，楼上 402 室近一个月每晚十一点后仍有拖拽家具、跳绳的声音，影响老人休息。请求对方晚间停止产生噪音的活动。");
  const applicantBox = clerk.getByRole("group", { name: "申请人", exact: true });
  await applicantBox.getByLabel("姓名").fill(applicant.name);
  await applicantBox.getByLabel("电话").fill(applicant.phone);
  const respondentBox = clerk.getByRole("group", { name: "被申请人（可不填）", exact: true });
  await respondentBox.getByLabel("姓名").fill(respondent.name);
  await respondentBox.getByLabel("电话").fill(respondent.phone);
  await Promise.all([
    clerk.waitForURL(/\/cases\/\d+\?created=1$/),
    clerk.getByRole("button", { name: "登记", exact: true }).click(),
  ]);
  const caseUrl = clerk.url().replace(/\?.*$/, "");
  assert.equal(await clerk.locator("h1").innerText(), TITLE);
  const created = await clerk.getByRole("status").innerText();
  const code = created.match(/查询码\s*([0-9A-Z]+)/)?.[1];
  assert.ok(code, `the created notice shows the tracking code: ${created}`);
  const number = await clerk.locator("p.status .code").innerText();
  assert.ok(created.includes(number), "the notice names the case number");
  assert.equal(await clerk.locator("p.status .state").innerText(), "待受理");
  assert.equal(await fact(clerk, "类别"), "邻里");
  assert.match(await fact(clerk, "所在村居"), new RegExp(`友谊街社区（${COMMUNITY}）`));
  await clerk.context().close();

  // 2. The township dispatcher accepts it and assigns it with no assignee: the routing rules
  //    send a neighbour dispute to the community's mediation committee.
  const dispatcher = await newPage(env);
  await signIn(env, dispatcher, "xiangyang-dispatcher");
  await dispatcher.getByRole("navigation").getByRole("link", { name: "工作台", exact: true }).click();
  const pending = dispatcher.locator("section.card", { has: dispatcher.getByRole("heading", { name: /^我的待办/ }) });
  await pending.getByRole("link", { name: number, exact: true }).click();
  await dispatcher.waitForURL(caseUrl);
  await act(dispatcher, "受理");
  assert.equal(await dispatcher.locator("p.status .state").innerText(), "已受理");
  const assignee = dispatcher.getByLabel(/承办单位代码或用户名/);
  assert.equal(await assignee.inputValue(), "", "the assignee is left empty: the rules decide");
  await act(dispatcher, "派遣");
  assert.equal(await dispatcher.locator("p.status .state").innerText(), "已派遣");
  assert.match(await fact(dispatcher, "承办单位"), new RegExp(COMMITTEE));

  // 3. The committee's mediator finds it on the workbench, starts and settles it.
  const mediator = await newPage(env);
  await signIn(env, mediator, "youyi-mediator");
  await mediator.getByRole("navigation").getByRole("link", { name: "工作台", exact: true }).click();
  await mediator.waitForURL(/\/work$/);
  const todo = mediator.locator("section.card", { has: mediator.getByRole("heading", { name: /^我的待办/ }) });
  const row = todo.getByRole("row", { name: new RegExp(number) });
  await row.waitFor();
  assert.match(await row.innerText(), new RegExp(TITLE));
  assert.match(await row.innerText(), /已派遣/);
  await mediator.screenshot({ path: join(shots, "workbench.png") });
  await row.getByRole("link", { name: number, exact: true }).click();
  await mediator.waitForURL(caseUrl);
  await act(mediator, "开始办理");
  assert.equal(await mediator.locator("p.status .state").innerText(), "办理中");
  await mediator.getByLabel("调解协议内容").fill(TERMS);
  await act(mediator, "办结");
  assert.equal(await mediator.locator("p.status .state").innerText(), "已办结");
  const settled = mediator.locator("section.card", { has: mediator.getByRole("heading", { name: "调解协议" }) });
  assert.match(await settled.innerText(), /李建国在客厅铺设隔音地垫/);

  // The printable agreement (人民调解协议书) carries the terms and the committee.
  await mediator.getByRole("link", { name: "打印人民调解协议书" }).click();
  await mediator.waitForURL(`${caseUrl}/agreement`);
  const doc = mediator.locator("article.agreement");
  assert.equal(await doc.getByRole("heading", { level: 1 }).innerText(), "人民调解协议书");
  const docText = await doc.innerText();
  for (const line of TERMS.split("\n")) assert.ok(docText.includes(line), `the agreement shows: ${line}`);
  assert.ok(docText.includes(number), "the agreement shows the case number");
  assert.ok(docText.includes(COMMITTEE), "the agreement names the committee");
  await mediator.context().close();

  // 4. The dispatcher verifies and closes.
  await dispatcher.reload();
  assert.equal(await dispatcher.locator("p.status .state").innerText(), "已办结");
  await act(dispatcher, "核查结案");
  assert.equal(await dispatcher.locator("p.status .state").innerText(), "已结案");
  assert.match(await fact(dispatcher, "结案时间"), /按期/);
  assert.equal(await dispatcher.getByRole("button").filter({ hasText: "核查结案" }).count(), 0);

  // 5. A resident, no account, follows the tracking code on a phone: closed, nobody's personal
  //    data on the page; then rates it 5 stars.
  const resident = await newPage(env, PHONE);
  await resident.goto(`${base}/m/${COMMUNITY}`);
  assert.match(await resident.locator("h1").innerText(), /友谊街社区/);
  await resident.screenshot({ path: join(shots, "portal.png") });
  await resident.goto(`${base}/m/track/${code}`);
  assert.equal(await resident.locator(".p-state").innerText(), "已结案");
  const privacy = async () => {
    const html = await resident.content();
    for (const s of [applicant.name, applicant.phone, respondent.name, respondent.phone]) {
      assert.ok(!html.includes(s), `the public progress page must not show ${s}`);
    }
  };
  await privacy();
  assert.match(await resident.locator(".p-facts").innerText(), new RegExp(COMMITTEE));
  // Tap the fifth star as a person would (the radio itself is visually hidden under its label).
  await resident.getByTitle("非常满意", { exact: true }).click();
  assert.equal(await resident.getByLabel("5 星 非常满意").isChecked(), true);
  await resident.getByLabel("意见和建议").fill("调解员很耐心，问题解决了。");
  await Promise.all([
    resident.waitForURL(/\?thanks=1$/),
    resident.getByRole("button", { name: "提交评价" }).click(),
  ]);
  assert.match(await resident.getByRole("status").innerText(), /感谢您的评价/);
  assert.equal(await resident.getByLabel("5 星", { exact: true }).count(), 1, "the page shows the 5-star rating");
  assert.equal(await resident.getByRole("button", { name: "提交评价" }).count(), 0, "rated once");
  await privacy();
  await shotPage(resident, join(shots, "track.png"));
  await resident.context().close();

  // The staff case page, closed and rated.
  await dispatcher.reload();
  assert.equal(await fact(dispatcher, "群众评价"), "5 分");
  await shotPage(dispatcher, join(shots, "case.png"));
  await dispatcher.context().close();

  // 6. The statistics API (the leader, with a bearer token) counts the close and the rating.
  const stats = await zhifuStats(base);
  assert.equal(stats.closed, before.closed + 1, `one more closed: ${JSON.stringify(stats)}`);
  assert.equal(stats.rated, before.rated + 1);
  const sum = (s) => (s.satisfaction ?? 0) * s.rated;
  assert.ok(Math.abs(sum(stats) - sum(before) - 5) < 1e-6, `the 5-star rating is in the mean: ${JSON.stringify(stats)}`);
});
