// Bugs a walk through every page found (issue 11), each as it failed before.
import { test, expect } from '@playwright/test';
import { composer, createRoom, messages, newPerson } from './helpers';

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
