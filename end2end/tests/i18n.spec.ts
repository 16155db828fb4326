// The UI in Simplified Chinese (issue 11): the language follows the
// browser's Accept-Language on the server render (no English flash before
// hydration), `<html lang>` matches, the switcher changes it and a cookie keeps
// the choice; the visitor page speaks Chinese too, including the desk's
// system lines, worded for the visitor.
import { test, expect } from '@playwright/test';
import { hydrated, newAgent, onlineDesk, PASSWORD, uniqueName } from './helpers';

const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

test('the chat renders in Chinese from the first byte and the switcher changes the language', async ({ browser, request }) => {
  // The server's HTML, before any WASM runs, is already Chinese.
  const html = await (await request.get(`${BASE_URL}/login`, { headers: { 'Accept-Language': 'zh-CN,zh;q=0.9,en;q=0.5' } })).text();
  expect(html).toMatch(/<html[^>]* lang="zh-CN"/);
  const english = await (await request.get(`${BASE_URL}/login`, { headers: { 'Accept-Language': 'en-GB,en;q=0.9' } })).text();
  expect(english).toMatch(/<html[^>]* lang="en"/);

  const context = await browser.newContext({ locale: 'zh-CN' });
  const name = uniqueName('zh');
  const res = await context.request.post('/api/auth/register', { data: { username: name, password: PASSWORD } });
  expect(res.status()).toBe(201);
  const page = await context.newPage();
  await page.goto('/');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('status').first()).toHaveText('已连接', { timeout: 20_000 });
  await expect(page.getByRole('button', { name: '退出登录' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '你的聊天室' })).toBeVisible();

  // A room, and the composer speaking Chinese.
  const room = uniqueName('zhroom');
  await page.locator('#new-room-name').fill(room);
  await page.locator('#new-room-name').press('Enter');
  await expect(page.getByRole('textbox', { name: /^发消息到 #/ })).toBeVisible();

  // Switch to English: the page follows at once, and after a reload.
  await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await expect(page.getByRole('status').first()).toHaveText('Connected', { timeout: 20_000 });
  await context.close();
});

test('a visitor reads the support page and the desk in Chinese', async ({ browser }) => {
  const agent = await newAgent(browser, 'agent');
  const desk = await onlineDesk(agent.page);

  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto('/support');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { name: '联系客服' })).toBeVisible();
  await expect(page.getByRole('status').first()).toHaveText('已连接', { timeout: 20_000 });

  const question = `我的订单在哪里？${Date.now().toString(36)}`;
  await page.getByLabel('有什么可以帮你？').fill(question);
  await page.getByRole('button', { name: '开始对话' }).click();
  const log = page.getByRole('log').first();
  await expect(log.getByText(question, { exact: true })).toHaveCount(1);

  // The desk's line about who answers is worded for the visitor, in Chinese.
  const row = await desk.waitFor({ type: 'support.conversation', last_message: question });
  if (row.assignee?.id !== agent.id) {
    await desk.send({ type: 'support.claim', conversation: row.id });
  }
  await expect(log.getByText(`现在由 ${agent.name} 为你服务`).first()).toBeVisible();
  await expect(log.getByText(/transferred|took the conversation|Assigned to/)).toHaveCount(0);

  // The visitor page's own switcher keeps the choice (its bundle writes the
  // cookie itself: site-wide, for a year) and the server renders in it.
  await page.getByRole('combobox', { name: '语言' }).selectOption('en');
  await expect(page.getByRole('heading', { name: 'Chat with support' })).toBeVisible();
  const cookie = (await context.cookies()).find((c) => c.name === 'i18n_pref_locale');
  expect(cookie?.value).toBe('en');
  expect(cookie?.path).toBe('/');
  expect(cookie!.expires * 1000).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
  await page.reload();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Chat with support' })).toBeVisible();
  await expect(log.getByText(question, { exact: true })).toHaveCount(1);

  // Resolved, so it waits for no later test's agent: an unanswered
  // conversation is re-routed after three minutes to whoever is online, and
  // once landed in support-console's fresh console, whose tab title counts
  // what waits for its agent.
  await desk.send({ type: 'support.resolve', conversation: row.id });
  await expect(page.getByRole('group', { name: 'How did we do?' })).toBeVisible();

  await context.close();
  await agent.context.close();
});
