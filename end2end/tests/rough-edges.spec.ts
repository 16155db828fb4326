// Bugs a walk through every page found (issue 11), each as it failed before.
import { test, expect } from '@playwright/test';
import { composer, createRoom, hydrated, messages, newPerson, PASSWORD, uniqueName } from './helpers';

test('a burst beyond the rate limit is stored in the order it was written, and the composer says it waits', async ({ browser }) => {
  const ann = await newPerson(browser, 'burst');
  const room = await createRoom(ann);
  const box = composer(ann.page, room);
  const tag = Date.now().toString(36);
  const sent = Array.from({ length: 30 }, (_, i) => `${tag} burst ${String(i + 1).padStart(2, '0')}`);
  // 30 at once (typed and sent in one go, as a paste-and-Enter script would):
  // the server accepts a burst of 20 and refuses the rest with a wait; they
  // used to be retried each on its own timer, and were stored out of order.
  await box.evaluate((el: HTMLTextAreaElement, texts: string[]) => {
    for (const t of texts) {
      el.value = t;
      el.dispatchEvent(new Event('input', { bubbles: true }));
      el.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', bubbles: true }));
    }
  }, sent);
  await expect(ann.page.getByTestId('slowed-down')).toContainText('Sending slowed down, retrying in');
  const log = messages(ann.page);
  await expect(log.locator('.message.pending')).toHaveCount(0, { timeout: 30_000 });
  await expect(ann.page.getByTestId('slowed-down')).toHaveCount(0);
  const shown = (await log.locator('.message .message-body').allInnerTexts())
    .map((t) => t.trim())
    .filter((t) => t.startsWith(`${tag} burst`));
  expect(shown).toEqual(sent);
  // Stored in that order too: a reload shows the server's order.
  await ann.page.reload();
  await expect(log.getByText(sent[29], { exact: true })).toHaveCount(1);
  const stored = (await log.locator('.message .message-body').allInnerTexts())
    .map((t) => t.trim())
    .filter((t) => t.startsWith(`${tag} burst`));
  expect(stored).toEqual(sent);
  await ann.context.close();
});

test('on a touch screen the edit and delete toolbar shows only for the message tapped', async ({ browser }) => {
  const context = await browser.newContext({ hasTouch: true, isMobile: true, viewport: { width: 390, height: 800 } });
  const page = await context.newPage();
  const name = uniqueName('phone');
  expect((await context.request.post('/api/auth/register', { data: { username: name, password: PASSWORD } })).status()).toBe(201);
  // On a phone the room list is a drawer: make the room over HTTP and open it by URL.
  const room = uniqueName('phone-room');
  const made = await context.request.post('/api/rooms', { data: { name: room } });
  expect(made.status()).toBe(201);
  const { id } = await made.json();
  await page.goto(`/?room=${id}`);
  await hydrated(page);
  expect(await page.evaluate(() => matchMedia('(hover: none)').matches)).toBe(true);
  await expect(composer(page, room)).toBeVisible({ timeout: 20_000 });
  const box = composer(page, room);
  for (const text of ['first from the phone', 'second from the phone']) {
    await box.fill(text);
    await box.press('Enter');
    await expect(messages(page).locator('.message:not(.pending)', { hasText: text })).toHaveCount(1);
  }
  const first = messages(page).locator('.message', { hasText: 'first from the phone' });
  const second = messages(page).locator('.message', { hasText: 'second from the phone' });
  // Hidden under every message until one is tapped.
  await expect(first.locator('.message-actions')).toHaveCSS('opacity', '0');
  await expect(second.locator('.message-actions')).toHaveCSS('opacity', '0');
  await first.locator('.message-body').tap();
  await expect(first.locator('.message-actions')).toHaveCSS('opacity', '1');
  await expect(second.locator('.message-actions')).toHaveCSS('opacity', '0');
  await first.getByRole('button', { name: /^Edit/ }).tap();
  await expect(page.getByRole('textbox', { name: 'Edit message' })).toHaveValue('first from the phone');
  await context.close();
});
