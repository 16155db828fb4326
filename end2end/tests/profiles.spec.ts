// Profiles: a display name, a status line, a time zone and a picture set on
// /account show on the author's messages on someone else's open page (live,
// without a reload), and the author's card opens a direct message; an
// agent's display name shows in the console's agent list.
import { test, expect } from '@playwright/test';
import { createRoom, expectConnected, hydrated, joinRoom, newAgent, newPerson, say } from './helpers';

// A 1×1 PNG: the server reads it by its content and stores a 128 px square.
const PIXEL = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);

test('a profile shows on messages and its card opens a direct message', async ({ browser }) => {
  const pat = await newPerson(browser, 'pat');
  const sam = await newPerson(browser, 'sam');
  const room = await createRoom(pat, 'profiles');
  await joinRoom(sam, room);
  const hello = `hello from pat ${Date.now().toString(36)}`;
  await say(pat.page, room, hello);
  const line = sam.page.locator('.message').filter({ hasText: hello });
  await expect(line.locator('button.author')).toHaveText(pat.name);

  // Pat sets a profile on /account (in a tab of its own: the chat stays open).
  const account = await pat.context.newPage();
  await account.goto('/account');
  await hydrated(account);
  const shown = `Pat ${Date.now().toString(36)}`;
  await account.getByLabel('Display name').fill(shown);
  await account.getByLabel('Status').fill('Walking the dog');
  await account.getByLabel('Time zone').selectOption('Asia/Shanghai');
  await account.getByRole('button', { name: 'Save profile' }).click();
  await expect(account.getByText('Profile saved.')).toBeVisible();
  await account.locator('#avatar-file').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: PIXEL });
  await expect(account.getByText('Picture updated.')).toBeVisible();
  await expect(account.locator('.profile-picture img.avatar.picture')).toBeVisible();

  // Sam's open page shows the new name and picture without a reload.
  await expect(line.locator('button.author')).toHaveText(shown);
  const picture = line.locator('img.avatar.picture');
  await expect(picture).toBeVisible();
  expect(await picture.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(128);

  // The card: names, status, local time, and a DM.
  await line.locator('button.author').click();
  const card = sam.page.getByRole('dialog', { name: `Profile of ${shown}` });
  await expect(card).toContainText(`@${pat.name}`);
  await expect(card).toContainText('Walking the dog');
  await expect(card).toContainText('Local time');
  await card.getByRole('button', { name: 'Message' }).click();
  await expect(sam.page.getByRole('heading', { level: 1, name: pat.name })).toBeVisible();
  await expect(card).toBeHidden();
  const dm = `a private word ${Date.now().toString(36)}`;
  const box = sam.page.getByRole('textbox', { name: `Message ${pat.name}` });
  await box.fill(dm);
  await box.press('Enter');
  await expect(box).toHaveValue('');
  // Pat gets it in the DM, under Sam's name in the sidebar.
  await pat.page.getByRole('navigation', { name: 'Direct messages' }).getByRole('link', { name: sam.name }).click();
  await expect(pat.page.locator('.message').filter({ hasText: dm })).toBeVisible();
  await Promise.all([pat.context.close(), sam.context.close()]);
});

test("an agent's display name shows in the console's agent list, live", async ({ browser }) => {
  const named = await newAgent(browser, 'named');
  const watcher = await newAgent(browser, 'watcher');
  await watcher.page.goto('/console');
  await hydrated(watcher.page);
  await expectConnected(watcher.page);
  const agents = watcher.page.getByRole('region', { name: 'Agents' });
  await expect(agents.getByText(named.name, { exact: true })).toBeVisible();

  const shown = `Agent ${Date.now().toString(36)}`;
  const res = await named.context.request.patch('/api/me/profile', { data: { display_name: shown } });
  expect(res.status()).toBe(200);
  await expect(agents.getByText(shown, { exact: true })).toBeVisible();
  await expect(agents.getByText(named.name, { exact: true })).toHaveCount(0);
  await Promise.all([named.context.close(), watcher.context.close()]);
});
