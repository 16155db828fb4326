// Read receipts: when the other person reads your newest message, "Seen by"
// appears under it, live and again after a reload (the markers come with
// the room); once they turn receipts off in their profile, their reads no
// longer show.
import { test, expect } from '@playwright/test';
import { createRoom, hydrated, joinRoom, newPerson, say } from './helpers';

test('"seen by" appears when the other person reads, and not once they turn receipts off', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'seen');
  await joinRoom(bob, room);
  const text = `are you there ${Date.now().toString(36)}`;
  await say(ann.page, room, text);

  // Bob has the room open: the message is read as it arrives.
  await expect(bob.page.locator('.message').filter({ hasText: text })).toBeVisible();
  const seen = ann.page.locator('.seen-by');
  await expect(seen).toHaveText(`Seen by ${bob.name}`);

  // The markers come with the room after a reload.
  await ann.page.reload();
  await expect(ann.page.locator('.seen-by')).toHaveText(`Seen by ${bob.name}`);

  // Bob turns receipts off in his profile, in another tab (the room stays open).
  const account = await bob.context.newPage();
  await account.goto('/account');
  await hydrated(account);
  const box = account.locator('#send-receipts');
  await expect(box).toBeChecked();
  await box.uncheck();
  await account.getByRole('button', { name: 'Save profile' }).click();
  await expect(account.getByText('Profile saved')).toBeVisible();
  await account.reload();
  await hydrated(account);
  await expect(account.locator('#send-receipts')).not.toBeChecked();
  await account.close();

  // Ann writes again; Bob reads it, but says nothing about it.
  const second = `still there ${Date.now().toString(36)}`;
  await say(ann.page, room, second);
  await expect(bob.page.locator('.message').filter({ hasText: second })).toBeVisible();
  // Bob answers, so a receipt from him would have had time to arrive first.
  await say(bob.page, room, 'yes');
  await expect(ann.page.locator('.message').filter({ hasText: 'yes' })).toBeVisible();
  await say(ann.page, room, `third ${Date.now().toString(36)}`);
  await ann.page.waitForTimeout(1500);
  await expect(ann.page.locator('.seen-by')).toHaveCount(0);
  await Promise.all([ann.context.close(), bob.context.close()]);
});
