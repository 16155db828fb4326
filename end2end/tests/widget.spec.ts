// The embeddable widget: a page on another origin (run.sh serves fixtures/ on
// 127.0.0.1:3101, listed in SWITCHBOARD_WIDGET_ORIGINS) loads /widget.js, which
// adds a button and an iframe with /support?embed=1. A message written in the
// iframe reaches an agent. The same page reached as localhost:3101 (another
// origin, not listed) gets no widget, and its iframe would be refused.
import { test, expect } from '@playwright/test';
import { newAgent, RawSocket } from './helpers';

const HOST_PORT = process.env.E2E_WIDGET_PORT ?? '3101';
const ALLOWED = `http://127.0.0.1:${HOST_PORT}/widget-host.html`;
const REFUSED = `http://localhost:${HOST_PORT}/widget-host.html`;
const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

test('the widget on an allowed site opens the support chat and the message reaches the desk', async ({ browser }) => {
  const agent = await newAgent(browser, 'wagent');
  const desk = await RawSocket.open(agent.page);
  await desk.waitFor({ type: 'hello' });
  await desk.send({ type: 'support.subscribe' });
  await desk.waitFor({ type: 'support.desk' });

  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(ALLOWED);
  const button = page.getByRole('button', { name: 'Chat with us' });
  await expect(button).toHaveAttribute('aria-expanded', 'false');
  await button.click();
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const frame = page.frameLocator('iframe[title="Support chat"]');
  await frame.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await expect(frame.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  await expect(frame.locator('.visitor-embed')).toBeVisible();

  const text = `Hello from the shop ${Date.now().toString(36)}`;
  await frame.getByLabel('How can we help?').fill(text);
  await frame.getByRole('button', { name: 'Start conversation' }).click();
  await expect(frame.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true })).toBeVisible();
  await expect(frame.locator('.visitor-msg.pending')).toHaveCount(0);

  // The desk sees it; joining shows the message and the page it came from.
  const row = await desk.waitFor({ type: 'support.conversation', last_message: text });
  await desk.send({ type: 'support.join', conversation: row.id });
  const history = await desk.waitFor({ type: 'support.history', conversation: row.id });
  expect(history.messages.map((m: { body: string }) => m.body)).toContain(text);
  const detail = await agent.context.request.get(`/api/support/conversations/${row.id}`);
  expect(detail.status()).toBe(200);
  expect((await detail.json()).visitor.page).toBe(ALLOWED);

  await context.close();
  await agent.context.close();
});

test('a site that is not listed gets no widget, and its iframe is refused', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const script = page.waitForResponse((r) => r.url().endsWith('/widget.js'));
  await page.goto(REFUSED);
  expect((await script).status()).toBe(403);
  await expect(page.getByRole('heading', { name: 'Example shop' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Chat with us' })).toHaveCount(0);

  // Framing the page by hand does not work either: the server answers 403.
  const framed = page.waitForResponse((r) => r.url().startsWith(`${BASE}/support?embed=1`));
  await page.evaluate((src) => {
    const f = document.createElement('iframe');
    f.src = src;
    document.body.appendChild(f);
  }, `${BASE}/support?embed=1`);
  expect((await framed).status()).toBe(403);
  await context.close();
});

test('a page view that never opens the widget loads nothing but widget.js; reaching for the button loads the chat, a click shows it', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const fromSwitchboard: string[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(BASE)) fromSwitchboard.push(new URL(r.url()).pathname);
  });
  let sockets = 0;
  page.on('websocket', () => sockets++);
  await page.goto(ALLOWED);
  const button = page.getByRole('button', { name: 'Chat with us' });
  await expect(button).toBeVisible();
  // No request for 500 ms: widget.js has no timers, so nothing comes later.
  await page.waitForLoadState('networkidle');
  expect(fromSwitchboard, 'only the script, no page, code or socket').toEqual(['/widget.js']);
  expect(sockets).toBe(0);
  await expect(page.locator('iframe')).toHaveCount(0);

  // A pointer over the button starts loading the chat, still hidden.
  await button.hover();
  const iframe = page.locator('iframe[title="Support chat"]');
  await expect(iframe).toHaveCount(1);
  await expect(iframe).toBeHidden();
  const frame = page.frameLocator('iframe[title="Support chat"]');
  await frame.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  expect(fromSwitchboard.filter((p) => p === '/support')).toHaveLength(1);

  // The click shows it; a second click hides it, and the same iframe comes back.
  await button.click();
  await expect(iframe).toBeVisible();
  await expect(frame.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  await button.click();
  await expect(iframe).toBeHidden();
  await button.click();
  await expect(iframe).toBeVisible();
  await expect(page.locator('iframe')).toHaveCount(1);
  expect(fromSwitchboard.filter((p) => p === '/support')).toHaveLength(1);
  await context.close();
});

test('a keyboard user loads and opens the widget with Tab and Enter', async ({ browser }) => {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(ALLOWED);
  const button = page.getByRole('button', { name: 'Chat with us' });
  await expect(button).toBeVisible();
  await expect(page.locator('iframe')).toHaveCount(0);
  // The shop page has nothing else to focus: one Tab reaches the button.
  await page.keyboard.press('Tab');
  await expect(button).toBeFocused();
  await expect(page.locator('iframe[title="Support chat"]')).toHaveCount(1);
  await page.keyboard.press('Enter');
  await expect(button).toHaveAttribute('aria-expanded', 'true');
  const frame = page.frameLocator('iframe[title="Support chat"]');
  await expect(frame.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  await context.close();
});
