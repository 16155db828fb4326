// Threads: a reply in a thread's pane stays out of the room's list; the
// parent counts it live for everyone; a reply "also sent to the room" shows
// in both places; after a reload the counts and the thread are still there.
import { test, expect } from '@playwright/test';
import { createRoom, joinRoom, newPerson, say } from './helpers';

test('a thread reply is counted under its parent, live, and read in the pane', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'threads');
  await joinRoom(bob, room);
  const tag = Date.now().toString(36);
  const parentText = `who reviews the release ${tag}`;
  await say(ann.page, room, parentText);

  // Bob opens the thread from the message's toolbar and answers there.
  const bobsParent = bob.page.locator('.room-main .message').filter({ hasText: parentText });
  await bobsParent.hover();
  await bobsParent.getByTestId('reply-in-thread').click();
  const bobsPane = bob.page.getByTestId('thread-pane');
  await expect(bobsPane.locator('.thread-parent')).toContainText(parentText);
  await expect(bobsPane).toContainText('No replies yet');
  const replyText = `I can do it ${tag}`;
  const bobsBox = bobsPane.getByRole('textbox', { name: 'Reply in this thread' });
  await bobsBox.pressSequentially(replyText, { delay: 5 });
  await bobsBox.press('Enter');
  await expect(bobsBox).toHaveValue('');
  await expect(bobsPane.locator('.message:not(.pending)').filter({ hasText: replyText })).toBeVisible();
  await expect(bobsPane.locator('.thread-count')).toHaveText('1 reply');

  // Ann sees the count under the parent without a reload, and not the
  // reply in the room's list.
  const annsParent = ann.page.locator('.room-main .message').filter({ hasText: parentText });
  const summary = annsParent.getByTestId('thread-summary');
  await expect(summary).toContainText('1 reply');
  await expect(ann.page.locator('.room-main').getByText(replyText)).toHaveCount(0);

  // She opens it and answers, also to the room.
  await summary.click();
  const annsPane = ann.page.getByTestId('thread-pane');
  await expect(annsPane.locator('.message').filter({ hasText: replyText })).toBeVisible();
  const alsoText = `thanks, shipping Friday ${tag}`;
  await annsPane.getByLabel(`Also send to #${room}`).check();
  const annsBox = annsPane.getByRole('textbox', { name: 'Reply in this thread' });
  await annsBox.pressSequentially(alsoText, { delay: 5 });
  await annsBox.press('Enter');
  await expect(annsPane.locator('.message:not(.pending)').filter({ hasText: alsoText })).toBeVisible();

  // Bob gets it in his open pane and in the room, marked as a thread reply.
  await expect(bobsPane.locator('.message').filter({ hasText: alsoText })).toBeVisible();
  const inRoom = bob.page.locator('.room-main .message').filter({ hasText: alsoText });
  await expect(inRoom).toBeVisible();
  await expect(inRoom.getByRole('button', { name: 'replied to a thread:' })).toBeVisible();
  await bobsPane.getByRole('button', { name: 'Close thread' }).click();
  await expect(bobsPane).toBeHidden();
  await expect(bobsParent.getByTestId('thread-summary')).toContainText('2 replies');

  // After a reload: the counts come with the history, the thread from its page.
  await ann.page.reload();
  const again = ann.page.locator('.room-main .message').filter({ hasText: parentText });
  await expect(again.getByTestId('thread-summary')).toContainText('2 replies');
  await expect(ann.page.locator('.room-main').getByText(replyText)).toHaveCount(0);
  await again.getByTestId('thread-summary').click();
  const reopened = ann.page.getByTestId('thread-pane');
  await expect(reopened.locator('.message').filter({ hasText: replyText })).toBeVisible();
  await expect(reopened.locator('.message').filter({ hasText: alsoText })).toBeVisible();
  await expect(reopened.locator('.thread-count')).toHaveText('2 replies');
  await Promise.all([ann.context.close(), bob.context.close()]);
});
