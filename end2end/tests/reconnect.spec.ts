// The server restarts while pages are open. Pages reconnect by themselves,
// show what was said while they were away (once), and deliver what their user
// wrote while offline (once).
import { test, expect } from '@playwright/test';
import { execSync } from 'node:child_process';
import { composer, createRoom, expectConnected, expectMessageOnce, joinRoom, messages, newPerson, say } from './helpers';

const restartCommand = process.env.SWITCHBOARD_RESTART_CMD;

test('pages reconnect after a server restart and miss nothing', async ({ browser }) => {
  test.skip(
    !restartCommand,
    'SWITCHBOARD_RESTART_CMD is not set: run the suite through end2end/run.sh (or `make test`), which can restart the server.',
  );
  test.setTimeout(120_000);

  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann);
  await joinRoom(bob, room);
  await say(bob.page, room, 'before the restart');
  await expectMessageOnce(ann.page, 'before the restart');

  // Ann's browser loses its network, then the server restarts under both.
  await ann.context.setOffline(true);
  execSync(restartCommand!, { stdio: 'inherit', timeout: 60_000 });

  // Bob comes back by himself and talks while Ann is away.
  await expectConnected(bob.page);
  await expect(bob.page.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await say(bob.page, room, 'said while Ann was away 1');
  await say(bob.page, room, 'said while Ann was away 2');
  await expectMessageOnce(bob.page, 'said while Ann was away 2');

  // Ann writes while offline: it shows as pending.
  await expect(ann.page.getByRole('status')).not.toHaveText('Connected');
  await say(ann.page, room, 'written offline');
  await expect(messages(ann.page).locator('.message.pending', { hasText: 'written offline' })).toBeVisible();

  // The network returns: Ann reconnects, catches up, and her message goes out.
  await ann.context.setOffline(false);
  await expectConnected(ann.page);
  await expectMessageOnce(ann.page, 'said while Ann was away 1');
  await expectMessageOnce(ann.page, 'said while Ann was away 2');
  await expectMessageOnce(ann.page, 'before the restart');
  await expectMessageOnce(ann.page, 'written offline');
  await expectMessageOnce(bob.page, 'written offline');
  await expect(composer(ann.page, room)).toBeEnabled();

  await ann.context.close();
  await bob.context.close();
});
