// Room settings and moderation in the browser: an owner sets a topic, mutes a
// member (whose composer says until when), lifts it, bans them (their page
// says so), and archives the room (read-only) and reopens it.
import { test, expect, type Page } from '@playwright/test';
import { composer, createRoom, expectMessageOnce, joinRoom, newPerson, say } from './helpers';

function closedComposer(page: Page) {
  return page.getByTestId('composer-closed');
}

test('an owner sets the topic, mutes, bans and archives', async ({ browser }) => {
  const owner = await newPerson(browser, 'mod');
  const member = await newPerson(browser, 'mem');
  const room = await createRoom(owner, 'town');
  await joinRoom(member, room);

  // The topic, from the settings form, reaches both headers.
  await owner.page.getByRole('button', { name: 'Room settings' }).click();
  await owner.page.getByLabel('Topic').fill('Release planning');
  await owner.page.getByRole('button', { name: 'Save' }).click();
  await expect(owner.page.getByText('Saved.')).toBeVisible();
  await expect(member.page.locator('.room-topic')).toHaveText('Release planning');
  await expect(owner.page.locator('.room-topic')).toHaveText('Release planning');
  // A plain member is offered no settings.
  await expect(member.page.getByRole('button', { name: 'Room settings' })).toBeHidden();

  // A public room's members are listed on demand, to those who moderate it.
  await expect(member.page.getByRole('button', { name: 'Members' })).toBeHidden();
  await owner.page.getByRole('button', { name: 'Members', exact: true }).click();

  // Muted: the member's composer says so and until when.
  const members = owner.page.locator('.room-members');
  const row = members.locator('li').filter({ hasText: member.name });
  await expect(row).toBeVisible();
  await members.getByLabel('Mute for').selectOption({ label: '10 minutes' });
  await row.getByRole('button', { name: 'Mute' }).click();
  await expect(members.getByText(`Muted ${member.name}.`)).toBeVisible();
  await expect(row.getByText(/muted until/)).toBeVisible();
  await expect(closedComposer(member.page)).toContainText('muted you in this room until');
  await expect(composer(member.page, room)).toHaveCount(0);

  // Unmuted: the composer is back and the member talks.
  await row.getByRole('button', { name: 'Unmute' }).click();
  await expect(members.getByText(`${member.name} can write again.`)).toBeVisible();
  const line = `back in ${Date.now().toString(36)}`;
  await say(member.page, room, line);
  await expectMessageOnce(owner.page, line);

  // Banned: the member's page says so, and the ban can be lifted.
  await row.getByRole('button', { name: 'Ban' }).click();
  await expect(member.page.locator('.notice')).toContainText(`You were banned from #${room}.`);
  const banned = members.locator('.banned-list li').filter({ hasText: member.name });
  await expect(banned).toBeVisible();
  const refused = await member.page.request.get(`/api/rooms/${await roomId(owner.page, room)}/messages`);
  expect(refused.status()).toBe(403);
  await banned.getByRole('button', { name: 'Unban' }).click();
  await expect(members.getByText(`${member.name} may join again.`)).toBeVisible();

  // Archived: read-only for everyone; reopened, writable again.
  await owner.page.getByRole('button', { name: 'Archive room' }).click();
  await owner.page.getByRole('button', { name: 'Archive', exact: true }).click();
  await expect(closedComposer(owner.page)).toContainText('This room is archived');
  await owner.page.getByRole('button', { name: 'Reopen room' }).click();
  await expect(closedComposer(owner.page)).toHaveCount(0);
  const after = `reopened ${Date.now().toString(36)}`;
  await say(owner.page, room, after);
  await expectMessageOnce(owner.page, after);
  await Promise.all([owner.context.close(), member.context.close()]);
});

async function roomId(page: Page, name: string): Promise<number> {
  const rooms = await (await page.request.get(`/api/rooms?q=${encodeURIComponent(name)}`)).json();
  return rooms.find((r: { name: string }) => r.name === name).id;
}
