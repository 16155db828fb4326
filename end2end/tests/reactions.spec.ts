// Reactions: one person picks an emoji from the picker (found by a word),
// the other sees it appear live with its count and who reacted, adds theirs
// by pressing the chip, and a press again takes it back — on both screens.
import { test, expect } from '@playwright/test';
import { createRoom, joinRoom, newPerson, say } from './helpers';

test('a reaction appears live, counts people once and can be taken back', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'react');
  await joinRoom(bob, room);
  const text = `shall we ship ${Date.now().toString(36)}`;
  await say(ann.page, room, text);

  const bobsLine = bob.page.locator('.message').filter({ hasText: text });
  await bobsLine.hover();
  await bobsLine.getByTestId('add-reaction').click();
  const picker = bobsLine.getByRole('dialog', { name: 'Add reaction' });
  await picker.getByTestId('emoji-search').fill('thumbs up');
  await picker.getByRole('button', { name: '👍' }).click();
  await expect(picker).toBeHidden();

  // Ann sees it without a reload: one, not hers, and who it was.
  const annsLine = ann.page.locator('.message').filter({ hasText: text });
  const annsChip = annsLine.locator('button.reaction', { hasText: '👍' });
  await expect(annsChip).toHaveText('👍 1');
  await expect(annsChip).toHaveAttribute('aria-pressed', 'false');
  await expect(annsChip).toHaveAttribute('title', `${bob.name} reacted with 👍`);

  // Ann adds hers by pressing it; both see two.
  await annsChip.click();
  await expect(annsChip).toHaveText('👍 2');
  await expect(annsChip).toHaveAttribute('aria-pressed', 'true');
  const bobsChip = bobsLine.locator('button.reaction', { hasText: '👍' });
  await expect(bobsChip).toHaveText('👍 2');

  // Bob takes his back; the recent list remembers his pick.
  await bobsChip.click();
  await expect(annsChip).toHaveText('👍 1');
  await expect(bobsChip).toHaveAttribute('aria-pressed', 'false');
  await bobsLine.hover();
  await bobsLine.getByTestId('add-reaction').click();
  await expect(picker.getByText('Recent')).toBeVisible();

  // After a reload the reaction is still there (it is stored).
  await ann.page.reload();
  await expect(ann.page.locator('.message').filter({ hasText: text }).locator('button.reaction', { hasText: '👍' })).toHaveText('👍 1');
  await Promise.all([ann.context.close(), bob.context.close()]);
});
