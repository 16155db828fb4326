// Search: a Chinese word inside a sentence is found from the sidebar's box,
// its match marked, and opening the result takes the reader to the message
// in its room — here 60 messages back, past the history a join loads, so
// the page fetches back to it.
import { test, expect, type Page } from '@playwright/test';
import { createRoom, joinRoom, newPerson, say } from './helpers';

/** Sends `n` messages to `room` over a WebSocket of the page's session, waiting out the rate limit. */
async function fill(page: Page, room: number, n: number): Promise<void> {
  await page.goto('/api/me');
  await page.evaluate(
    async ({ room, n }) => {
      const ws = new WebSocket(`ws://${location.host}/ws`);
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onerror = reject;
      });
      const frames: Record<string, any>[] = [];
      let wake: (() => void) | null = null;
      ws.onmessage = (e) => {
        frames.push(JSON.parse(e.data as string));
        wake?.();
      };
      const next = async (match: (f: Record<string, any>) => boolean) => {
        for (let waited = 0; waited < 2_000; waited++) {
          const i = frames.findIndex(match);
          if (i >= 0) return frames.splice(i, 1)[0];
          await new Promise<void>((r) => (wake = r));
        }
        throw new Error('no answer');
      };
      ws.send(JSON.stringify({ type: 'join', room }));
      await next((f) => f.type === 'history');
      for (let i = 0, tries = 0; i < n && tries < 500; tries++) {
        const client_id = `fill-${i}-${Date.now()}`;
        ws.send(JSON.stringify({ type: 'send', room, body: `filler line ${i}`, client_id }));
        const f = await next((f) => (f.type === 'ack' || f.type === 'error') && f.client_id === client_id);
        if (f.type === 'ack') i++;
        else if (f.code === 'rate_limited') await new Promise((r) => setTimeout(r, f.retry_after_ms ?? 200));
        else throw new Error(JSON.stringify(f));
      }
      ws.close();
    },
    { room, n },
  );
}

test('a Chinese word is found inside a sentence and the result opens the message in its room', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const room = await createRoom(ann, 'plans');
  const roomId = Number(new URL(ann.page.url()).searchParams.get('room'));
  const sentence = `我们明天开会讨论预算 ${Date.now().toString(36)}`;
  await say(ann.page, room, sentence);
  await fill(await ann.context.newPage(), roomId, 60);

  // Bob joins after all that: his page holds only the newest 50 messages.
  const bob = await newPerson(browser, 'bob');
  await joinRoom(bob, room);
  await expect(bob.page.locator('.message').filter({ hasText: sentence })).toHaveCount(0);
  const elsewhere = await createRoom(bob, 'elsewhere');
  await expect(bob.page.getByRole('heading', { level: 1, name: elsewhere })).toBeVisible();

  const box = bob.page.getByTestId('search-box');
  await box.fill('开会');
  await box.press('Enter');
  const pane = bob.page.getByTestId('search-pane');
  const results = pane.locator('.search-result');
  await expect(results).toHaveCount(1);
  await expect(results.first().locator('mark')).toHaveText('开会');
  await expect(results.first()).toContainText(`#${room}`);
  await expect(results.first()).toContainText(ann.name);

  // Words that are not in it find nothing, and say so.
  await pane.getByTestId('search-words').fill('会议');
  await pane.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(pane.getByText('No messages match.')).toBeVisible();
  await pane.getByTestId('search-words').fill('讨论');
  await pane.getByRole('button', { name: 'Search', exact: true }).click();
  await expect(results).toHaveCount(1);

  await results.first().click();
  await expect(bob.page.getByRole('heading', { level: 1, name: room })).toBeVisible();
  const found = bob.page.locator('.message.flash').filter({ hasText: sentence });
  await expect(found).toBeVisible();
  await expect(found).toBeInViewport();
  await Promise.all([ann.context.close(), bob.context.close()]);
});
