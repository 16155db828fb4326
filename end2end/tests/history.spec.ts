// What was said is still there after a reload, in order and once; unread
// badges count messages in rooms you are not looking at.
import { test, expect } from '@playwright/test';
import { composer, createRoom, expectConnected, expectMessageOnce, hydrated, joinRoom, messages, newPerson, say } from './helpers';

test('a reload shows the history', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const room = await createRoom(ann);
  const lines = ['one', 'two', 'three'].map((w) => `${w} ${room}`);
  for (const line of lines) {
    await say(ann.page, room, line);
    await expectMessageOnce(ann.page, line);
  }

  await ann.page.reload();
  await hydrated(ann.page);
  await expectConnected(ann.page);
  for (const line of lines) {
    await expectMessageOnce(ann.page, line);
  }
  // Still in order.
  const bodies = await messages(ann.page).locator('.message-body').allTextContents();
  const positions = lines.map((l) => bodies.findIndex((b) => b.trim() === l));
  expect(positions).toEqual([...positions].sort((a, b) => a - b));
  expect(positions.every((p) => p >= 0)).toBe(true);

  await ann.context.close();
});

test('logged-out visitors are sent to the login form, and bad passwords are explained', async ({ page }) => {
  await page.goto('/');
  await page.waitForURL((url) => url.pathname === '/login');
  await hydrated(page);
  // Checked in the browser before anything is sent.
  await page.getByLabel('Username').fill('x');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByText('Username must be 3 to 32 characters.')).toBeVisible();
  // Refused by the server, with its message shown.
  await page.getByLabel('Username').fill('nobody-here-' + Date.now().toString(36));
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page).toHaveURL(/\/login$/);
});

test('unread badges count messages in rooms you are not looking at', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const busy = await createRoom(ann, 'busy');
  const quiet = await createRoom(ann, 'quiet');
  await joinRoom(bob, busy);

  // Ann is looking at "quiet"; Bob talks in "busy".
  await expect(ann.page.getByRole('heading', { level: 1, name: quiet })).toBeVisible();
  await say(bob.page, busy, 'ping 1');
  await say(bob.page, busy, 'ping 2');
  const link = ann.page.getByRole('navigation', { name: 'Your rooms' }).getByRole('link', { name: busy });
  // The badge's number is hidden from screen readers; they hear ", 2 unread".
  await expect(link).toHaveAccessibleName(new RegExp(`^${busy}\\s*,\\s*2 unread$`));
  await link.click();
  await expectMessageOnce(ann.page, 'ping 2');
  await expect(link).toHaveAccessibleName(busy);
  await expect(link.locator('.badge')).toHaveCount(0);

  await ann.context.close();
  await bob.context.close();
});

test('a mention marks the room until read, survives a reload, and highlights the message', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const busy = await createRoom(ann, 'busy');
  const quiet = await createRoom(ann, 'quiet');
  await joinRoom(bob, busy);

  await expect(ann.page.getByRole('heading', { level: 1, name: quiet })).toBeVisible();
  const question = `@${ann.name} can you review the release notes?`;
  // Bob writes it with the composer's suggestions: "@" and the start of the name.
  const box = composer(bob.page, busy);
  await box.click();
  await box.pressSequentially(`@${ann.name.slice(0, 6).toUpperCase()}`, { delay: 5 });
  const people = bob.page.getByRole('listbox', { name: 'People to mention' });
  await expect(people.getByRole('option', { name: `@${ann.name}` })).toBeVisible();
  await box.press('Enter');
  await expect(box).toHaveValue(`@${ann.name} `);
  await expect(people).toHaveCount(0);
  await box.pressSequentially('can you review the release notes?', { delay: 2 });
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await say(bob.page, busy, 'and an ordinary message');
  const link = ann.page.getByRole('navigation', { name: 'Your rooms' }).getByRole('link', { name: busy });
  await expect(link).toHaveAccessibleName(new RegExp(`^${busy}\\s*,\\s*1 mentioning you\\s*,\\s*2 unread$`));
  await expect(link.locator('.mention-mark [aria-hidden="true"]')).toHaveText('@');

  // The count comes from the server too: a reload still shows it.
  await ann.page.reload();
  await hydrated(ann.page);
  await expect(link.locator('.mention-mark')).toHaveCount(1);

  await link.click();
  await expectMessageOnce(ann.page, question);
  const row = messages(ann.page).locator('.message', { hasText: question });
  await expect(row).toHaveClass(/mentions-me/);
  await expect(row.locator('.mention.mention-me')).toHaveText(`@${ann.name}`);
  await expect(messages(ann.page).locator('.message.mentions-me')).toHaveCount(1);
  await expect(link.locator('.mention-mark')).toHaveCount(0);
  await expect(link).toHaveAccessibleName(busy);

  await ann.context.close();
  await bob.context.close();
});
