// Two people in two browser contexts: make a room, join it, see each other
// online and typing, and talk both ways live.
import { test, expect } from '@playwright/test';
import { composer, createRoom, expectMessageOnce, joinRoom, messages, newPerson, say } from './helpers';

test('two people chat live in a new room', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');

  const room = await createRoom(ann);
  await joinRoom(bob, room);

  // Each sees the other online in the room.
  await expect(ann.page.getByRole('list', { name: 'Online' }).getByText(bob.name, { exact: true })).toBeVisible();
  await expect(bob.page.getByRole('list', { name: 'Online' }).getByText(ann.name, { exact: true })).toBeVisible();

  // Bob starts typing: Ann is told.
  const box = composer(bob.page, room);
  await box.click();
  await box.pressSequentially('hello Ann, ', { delay: 10 });
  await expect(ann.page.getByText(`${bob.name} is typing…`)).toBeVisible();

  // Shift+Enter is a new line, Enter sends.
  await box.press('Shift+Enter');
  await box.pressSequentially('from Bob', { delay: 10 });
  await expect(box).toHaveValue('hello Ann, \nfrom Bob');
  await box.press('Enter');
  await expect(box).toHaveValue('');
  for (const person of [ann, bob]) {
    await expect(messages(person.page).getByText(/hello Ann,\s+from Bob/)).toHaveCount(1);
  }

  // And back.
  await say(ann.page, room, 'hi Bob, see https://example.com/docs');
  await expectMessageOnce(bob.page, 'hi Bob, see https://example.com/docs');
  await expectMessageOnce(ann.page, 'hi Bob, see https://example.com/docs');
  // Links are links; the text stays text.
  await expect(messages(bob.page).getByRole('link', { name: 'https://example.com/docs' })).toHaveAttribute(
    'href',
    'https://example.com/docs',
  );

  // Markup in a message is shown, never run.
  await say(bob.page, room, '<b>not bold</b>');
  await expectMessageOnce(ann.page, '<b>not bold</b>');
  await expect(messages(ann.page).locator('b')).toHaveCount(0);

  await ann.context.close();
  await bob.context.close();
});

test('your own messages can be edited and deleted, live for everyone', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann);
  await joinRoom(bob, room);

  await say(ann.page, room, 'first draft');
  await expectMessageOnce(bob.page, 'first draft');

  // Bob cannot edit Ann's message.
  const bobsView = messages(bob.page).locator('.message', { hasText: 'first draft' });
  await bobsView.hover();
  await expect(bobsView.getByRole('button', { name: 'Edit message' })).toHaveCount(0);

  const annsView = messages(ann.page).locator('.message', { hasText: 'first draft' });
  await annsView.hover();
  await annsView.getByRole('button', { name: 'Edit message' }).click();
  const editor = ann.page.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('final wording');
  await editor.press('Enter');
  await expectMessageOnce(bob.page, 'final wording');
  await expect(messages(bob.page).getByText('(edited)')).toBeVisible();

  const edited = messages(ann.page).locator('.message', { hasText: 'final wording' });
  await edited.hover();
  await edited.getByRole('button', { name: 'Delete message' }).click();
  await ann.page.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
  await expect(messages(bob.page).getByText('final wording')).toHaveCount(0);
  await expect(messages(ann.page).getByText('final wording')).toHaveCount(0);

  await ann.context.close();
  await bob.context.close();
});
