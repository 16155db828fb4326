// People and access in the browser: direct messages, a private room's
// members (invite, remove, and the removed member's page), and an admin
// deactivating an account whose page is open.
import { test, expect, type Page } from '@playwright/test';
import {
  ADMIN,
  PASSWORD,
  createRoom,
  expectMessageOnce,
  expectRoomOpen,
  hydrated,
  logIn,
  newPerson,
  say,
  uniqueName,
} from './helpers';

/** The composer of a DM, named after the other people. */
function dmComposer(page: Page, title: string) {
  return page.getByRole('textbox', { name: `Message ${title}` });
}

async function sayInDm(page: Page, title: string, text: string): Promise<void> {
  const box = dmComposer(page, title);
  await box.click();
  await box.pressSequentially(text, { delay: 5 });
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

function sidebarSection(page: Page, heading: string) {
  return page.getByRole('navigation', { name: heading });
}

test('two people start a direct message and talk', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  // Bob looks at a room of his own, so the DM arrives as unread.
  await createRoom(bob, 'bobs');

  // Ann finds Bob by part of his name and opens the conversation.
  await ann.page.getByRole('button', { name: 'New message' }).click();
  await ann.page.getByLabel('Search people').fill(bob.name.slice(0, 12));
  await ann.page.locator('.people-results').getByRole('button', { name: bob.name }).click();
  await ann.page.getByRole('button', { name: 'Open conversation' }).click();
  await expect(ann.page.getByRole('heading', { level: 1, name: bob.name })).toBeVisible();
  await expect(sidebarSection(ann.page, 'Direct messages').getByRole('link', { name: bob.name })).toBeVisible();
  // A DM has nobody to leave it to.
  await expect(ann.page.getByRole('button', { name: 'Leave room' })).toBeHidden();

  const hello = `hi bob ${Date.now().toString(36)}`;
  await sayInDm(ann.page, bob.name, hello);
  await expectMessageOnce(ann.page, hello);

  // Bob's sidebar gets the DM live, unread, under Ann's name.
  const link = sidebarSection(bob.page, 'Direct messages').getByRole('link', { name: ann.name });
  await expect(link).toBeVisible();
  await expect(link.locator('.badge')).toContainText('1');
  await link.click();
  await expect(bob.page.getByRole('heading', { level: 1, name: ann.name })).toBeVisible();
  await expectMessageOnce(bob.page, hello);
  const reply = `hello ann ${Date.now().toString(36)}`;
  await sayInDm(bob.page, ann.name, reply);
  await expectMessageOnce(ann.page, reply);

  // Starting it again finds the same conversation, with its history.
  await bob.page.getByRole('button', { name: 'New message' }).click();
  await bob.page.getByLabel('Search people').fill(ann.name);
  await bob.page.locator('.people-results').getByRole('button', { name: ann.name }).click();
  await bob.page.getByRole('button', { name: 'Open conversation' }).click();
  await expectMessageOnce(bob.page, hello);
  await expect(sidebarSection(bob.page, 'Direct messages').getByRole('link')).toHaveCount(1);

  // Nobody else can read it: a third person's API answer lists no DM.
  const eve = await newPerson(browser, 'eve');
  const rooms = await (await eve.page.request.get('/api/rooms')).json();
  expect(rooms.filter((r: { kind?: string }) => r.kind === 'dm')).toHaveLength(0);
  await Promise.all([ann.context.close(), bob.context.close(), eve.context.close()]);
});

test('an owner invites someone to a private room and removes them', async ({ browser }) => {
  const owner = await newPerson(browser, 'own');
  const guest = await newPerson(browser, 'gst');
  const room = uniqueName('secret');
  await owner.page.getByLabel('New room name').fill(room);
  await owner.page.getByLabel(/^Private/).check();
  await owner.page.getByRole('button', { name: 'Create room' }).click();
  await expectRoomOpen(owner.page, room);
  await expect(
    sidebarSection(owner.page, 'Your rooms').getByRole('link', { name: new RegExp(`Private room.*${room}`) }),
  ).toBeVisible();

  // The guest cannot see it anywhere yet.
  const before = await (await guest.page.request.get('/api/rooms')).json();
  expect(before.map((r: { name: string }) => r.name)).not.toContain(room);

  // The owner adds the guest from the members list.
  const members = owner.page.locator('.room-members');
  await expect(members.getByRole('heading', { name: /Members — 1/ })).toBeVisible();
  await members.getByLabel('Add people').fill(guest.name);
  await members.locator('.people-results').getByRole('button', { name: guest.name }).click();
  await expect(members.getByText(`Added ${guest.name}.`)).toBeVisible();
  await expect(members.getByRole('heading', { name: /Members — 2/ })).toBeVisible();

  // The room appears in the guest's sidebar at once; they read and write.
  const link = sidebarSection(guest.page, 'Your rooms').getByRole('link', { name: new RegExp(room) });
  await expect(link).toBeVisible();
  await link.click();
  await expectRoomOpen(guest.page, room);
  const line = `glad to be here ${Date.now().toString(36)}`;
  await say(guest.page, room, line);
  await expectMessageOnce(owner.page, line);

  // Removed: the guest's page says so and the room leaves their sidebar.
  await members.getByRole('button', { name: `Remove ${guest.name} from the room` }).click();
  await expect(members.getByText(`Removed ${guest.name}.`)).toBeVisible();
  await expect(guest.page.locator('.notice')).toContainText(`You were removed from #${room}.`);
  await expect(sidebarSection(guest.page, 'Your rooms').getByRole('link', { name: new RegExp(room) })).toHaveCount(0);
  const history = await guest.page.request.get(`/api/rooms?q=${encodeURIComponent(room)}`);
  expect((await history.json()).map((r: { name: string }) => r.name)).not.toContain(room);
  await Promise.all([owner.context.close(), guest.context.close()]);
});

test('an admin deactivates an account and its open page is logged out', async ({ browser }) => {
  const bob = await newPerson(browser, 'leaver');
  const room = await createRoom(bob, 'mine');
  const farewell = `so long ${Date.now().toString(36)}`;
  await say(bob.page, room, farewell);
  const admin = await logIn(browser, ADMIN);
  await admin.page.goto('/admin');
  await hydrated(admin.page);
  const row = admin.page.getByRole('row').filter({ hasText: bob.name });
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row.getByText(`Deactivate ${bob.name}?`)).toBeVisible();
  await row.getByRole('button', { name: 'Deactivate' }).click();
  await expect(row.getByText('Deactivated', { exact: true })).toBeVisible();
  await expect(row.getByText('deactivated', { exact: true })).toBeVisible();

  // Bob's open page goes to the login form at once; logging in is refused.
  await bob.page.waitForURL((url) => url.pathname === '/login', { timeout: 15_000 });
  await hydrated(bob.page);
  await bob.page.getByLabel('Username').fill(bob.name);
  await bob.page.getByLabel('Password').fill(PASSWORD);
  await bob.page.getByRole('button', { name: 'Log in' }).click();
  await expect(bob.page.getByText(/deactivated/i)).toBeVisible();
  await expect(bob.page).toHaveURL(/\/login/);

  // His messages keep his name, marked as a deactivated account's.
  await admin.page.goto('/');
  await hydrated(admin.page);
  await admin.page.getByPlaceholder('Find a room').fill(room);
  await admin.page.getByRole('button', { name: `Join ${room}` }).click();
  const line = admin.page.locator('.message').filter({ hasText: farewell });
  const author = line.locator('.author.deactivated');
  await expect(author).toHaveText(bob.name);
  expect(await author.evaluate((el) => getComputedStyle(el, '::after').content)).toBe('" (deactivated)"');
  await admin.page.goto('/admin');
  await hydrated(admin.page);

  // Reactivated, Bob logs in again.
  await row.getByRole('button', { name: 'Reactivate' }).click();
  await expect(row.getByText('Reactivated', { exact: true })).toBeVisible();
  await bob.page.getByRole('button', { name: 'Log in' }).click();
  await bob.page.waitForURL((url) => url.pathname === '/');
  await Promise.all([admin.context.close(), bob.context.close()]);
});
