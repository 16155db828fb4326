// Pins: one person pins a message from its toolbar; the other sees the
// room header's pinned count appear live, opens the list, and a click there
// shows the message; unpinning from the list empties it for both.
import { test, expect } from '@playwright/test';
import { createRoom, joinRoom, newPerson, say } from './helpers';

test('a pinned message is listed in the room header, live, and can be unpinned', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'pins');
  await joinRoom(bob, room);
  const tag = Date.now().toString(36);
  const text = `release checklist ${tag}`;
  await say(ann.page, room, text);
  await say(ann.page, room, `something else ${tag}`);

  const line = ann.page.locator('.room-main .message').filter({ hasText: text });
  await line.hover();
  await line.getByTestId('pin-message').click();
  await expect(line).toHaveClass(/pinned/);

  // Bob's header counts it without a reload; the list says who pinned it.
  const pins = bob.page.getByTestId('pins-button');
  await expect(pins).toHaveText('📌 1');
  await pins.click();
  const list = bob.page.getByRole('dialog', { name: 'Pinned messages' });
  await expect(list).toContainText(text);
  await expect(list).toContainText(`Pinned by ${ann.name}`);
  await list.getByRole('button', { name: new RegExp(text) }).click();
  await expect(list).toBeHidden();
  await expect(bob.page.locator('.room-main .message.flash').filter({ hasText: text })).toBeVisible();

  // Still pinned after a reload; unpinned from the list, gone for both.
  await bob.page.reload();
  await expect(bob.page.getByTestId('pins-button')).toHaveText('📌 1');
  await bob.page.getByTestId('pins-button').click();
  await bob.page.getByRole('dialog', { name: 'Pinned messages' }).getByRole('button', { name: 'Unpin' }).click();
  await expect(bob.page.getByTestId('pins-button')).toBeHidden();
  await expect(ann.page.getByTestId('pins-button')).toBeHidden();
  await expect(line).not.toHaveClass(/pinned/);
  await Promise.all([ann.context.close(), bob.context.close()]);
});

// A pin that comes live while the room's pinned list is still being read
// must not be lost when the (older) list arrives: the list is read again.
test('a pin made while the list is loading still shows', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'pinrace');
  const text = `pinned while loading ${Date.now().toString(36)}`;
  await say(ann.page, room, text);

  // Bob's first read of the list is answered as it was before the pin.
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  await bob.page.route('**/api/rooms/*/pins', async (route) => {
    const before = await route.fetch();
    await released;
    await route.fulfill({ response: before });
  }, { times: 1 });
  await joinRoom(bob, room);

  const line = ann.page.locator('.room-main .message').filter({ hasText: text });
  await line.hover();
  await line.getByTestId('pin-message').click();
  await expect(line).toHaveClass(/pinned/);
  // The live frame reaches Bob within milliseconds; give it ample time.
  await bob.page.waitForTimeout(1000);
  release();
  await expect(bob.page.getByTestId('pins-button')).toHaveText('📌 1');
});
