// The widget keeps its conversation where the browser keeps no cookie of ours
// in the iframe (issue 15). A shop page embeds the widget; the visitor writes,
// the agent answers, the shop page is reloaded, and the visitor sees the
// history and the reply; then "Start over" forgets them.
//
// Two cases:
// - third-party cookies blocked: a Chromium launched with
//   --test-third-party-cookie-phaseout shows the shop from another site
//   (shop.test, mapped to 127.0.0.1 by --host-resolver-rules, served by
//   run.sh on $E2E_WIDGET_PORT and listed in SWITCHBOARD_WIDGET_ORIGINS). The
//   server's cookie never reaches the browser's jar: only the visitor token
//   the shop page keeps can carry the visitor.
// - cookies allowed: the shop on 127.0.0.1 (the same site as the server), where
//   the iframe keeps its cookie; the cookie and the token agree.
import { test, expect, chromium, Browser, Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium';
import { newAgent, onlineDesk } from './helpers';

const HOST_PORT = process.env.E2E_WIDGET_PORT ?? '3101';
const BASE = process.env.BASE_URL ?? 'http://127.0.0.1:3000';
const TOKEN_KEY = `switchboard:visitor:${new URL(BASE).origin}`;


const cases = [
  {
    name: 'third-party cookies blocked',
    shop: `http://shop.test:${HOST_PORT}/widget-host.html`,
    args: ['--test-third-party-cookie-phaseout', '--host-resolver-rules=MAP shop.test 127.0.0.1'],
    cookie: false,
  },
  {
    name: 'cookies allowed',
    shop: `http://127.0.0.1:${HOST_PORT}/widget-host.html`,
    args: [],
    cookie: true,
  },
];

async function openWidget(page: Page, shop: string) {
  await page.goto(shop);
  await page.getByRole('button', { name: 'Chat with us' }).click();
  const frame = page.frameLocator('iframe[title="Support chat"]');
  await frame.locator('body[data-hydrated]').waitFor({ state: 'attached' });
  await expect(frame.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  return frame;
}

const keptToken = (page: Page) => page.evaluate((k) => localStorage.getItem(k), TOKEN_KEY);

for (const c of cases) {
  test(`the widget keeps the conversation across reloads (${c.name}), and Start over forgets it`, async ({
    browser,
  }) => {
    const agent = await newAgent(browser, 'nocookie');
    const desk = await onlineDesk(agent.page);

    let shopper: Browser | undefined;
    try {
      shopper = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...c.args] });
      const context = await shopper.newContext();
      const page = await context.newPage();
      let frame = await openWidget(page, c.shop);

      const text = `Where is parcel ${Date.now().toString(36)}?`;
      await frame.getByLabel('How can we help?').fill(text);
      await frame.getByRole('button', { name: 'Start conversation' }).click();
      const log = () => frame.getByRole('log', { name: 'Messages' });
      await expect(log().getByText(text, { exact: true })).toBeVisible();
      await expect(frame.locator('.visitor-msg.pending')).toHaveCount(0);

      // The shop page now keeps the token, under our prefixed key.
      const token = await keptToken(page);
      expect(token).toMatch(/^[0-9a-f]+\.[0-9a-f]{64}$/);
      // Whether the server's cookie reached the jar is the case under test.
      const jar = (await context.cookies(BASE)).filter((k) => k.name === 'sb_visitor');
      expect(jar.length > 0).toBe(c.cookie);

      // The agent answers.
      const row = await desk.waitFor({ type: 'support.conversation', last_message: text });
      if (row.assignee?.id !== agent.id) await desk.send({ type: 'support.claim', conversation: row.id });
      await desk.send({ type: 'support.join', conversation: row.id });
      await desk.waitFor({ type: 'support.history', conversation: row.id });
      const reply = `It left the warehouse ${Date.now().toString(36)}`;
      await desk.send({ type: 'support.send', conversation: row.id, body: reply, client_id: `a-${Date.now()}` });
      await expect(log().getByText(reply, { exact: true })).toBeVisible();

      // A reload of the shop page: the history and the reply are still there.
      await page.reload();
      frame = await openWidget(page, c.shop);
      await expect(log().getByText(text, { exact: true })).toBeVisible();
      await expect(log().getByText(reply, { exact: true })).toBeVisible();
      expect(await keptToken(page)).toBe(token);

      // A reply while the visitor is away reaches them on their next visit.
      await page.close();
      const later = `Delivered tomorrow ${Date.now().toString(36)}`;
      await desk.send({ type: 'support.send', conversation: row.id, body: later, client_id: `b-${Date.now()}` });
      await desk.waitFor({ type: 'support.message', conversation: row.id, body: later });
      const again = await context.newPage();
      frame = await openWidget(again, c.shop);
      await expect(log().getByText(later, { exact: true })).toBeVisible();

      // Start over: asked first, then a fresh visitor, and the old token is retired.
      await frame.getByRole('button', { name: 'Start over' }).click();
      await frame.getByRole('button', { name: 'Forget and start over' }).click();
      await expect(frame.getByLabel('How can we help?')).toBeVisible({ timeout: 20_000 });
      await expect(frame.getByText(text)).toHaveCount(0);
      await expect.poll(() => keptToken(again)).not.toBe(token);
      const stale = await agent.context.request.post(`${BASE}/api/support/session`, {
        headers: { 'switchboard-visitor': token! },
        data: {},
      });
      expect((await stale.json()).visitor).toBeNull();
      // The agent keeps the conversation.
      const detail = await agent.context.request.get(`/api/support/conversations/${row.id}`);
      expect(detail.status()).toBe(200);
    } finally {
      await shopper?.close();
      await agent.context.close();
    }
  });
}

test('a refused identity leaves the visitor anonymous but able to write (third-party cookies blocked)', async () => {
  const shopper = await chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...cases[0].args] });
  try {
    const page = await (await shopper.newContext()).newPage();
    const frame = await openWidget(page, `http://shop.test:${HOST_PORT}/widget-host-bad-identity.html`);
    await expect(frame.getByRole('alert')).toContainText('Could not start the chat');
    const text = `Anonymous after all ${Date.now().toString(36)}`;
    await frame.getByLabel('How can we help?').fill(text);
    await frame.getByRole('button', { name: 'Start conversation' }).click();
    await expect(frame.getByRole('log', { name: 'Messages' }).getByText(text, { exact: true })).toBeVisible();
    await expect(frame.locator('.visitor-msg.pending')).toHaveCount(0);
    expect(await keptToken(page)).toMatch(/^[0-9a-f]+\.[0-9a-f]{64}$/);
  } finally {
    await shopper.close();
  }
});
