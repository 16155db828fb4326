// The server restarts while pages are open. Pages reconnect by themselves,
// show what was said while they were away (once), apply the edits and deletes
// made meanwhile to messages they already show, and deliver what their user
// wrote while disconnected (once).
import { test, expect, type WebSocketRoute } from '@playwright/test';
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
  await say(bob.page, room, 'soon deleted');
  await expectMessageOnce(ann.page, 'before the restart');
  await expectMessageOnce(ann.page, 'soon deleted');

  // Hold Ann's next connections (they open, but reach no server) so that she
  // is certainly away while Bob talks. Playwright's offline mode cannot do
  // this: it does not cover WebSockets.
  let holdAnn = true;
  const held: WebSocketRoute[] = [];
  await ann.page.routeWebSocket(/\/ws$/, (ws) => {
    if (holdAnn) held.push(ws);
    else ws.connectToServer();
  });

  execSync(restartCommand!, { stdio: 'inherit', timeout: 60_000 });

  // Bob comes back by himself and talks while Ann is away.
  await expectConnected(bob.page);
  await say(bob.page, room, 'said while Ann was away 1');
  await say(bob.page, room, 'said while Ann was away 2');
  await expectMessageOnce(bob.page, 'said while Ann was away 2');
  // ...and changes messages Ann already has on screen.
  const bobs = (text: string) => messages(bob.page).locator('.message', { hasText: text });
  await bobs('before the restart').hover();
  await bobs('before the restart').getByRole('button', { name: 'Edit message' }).click();
  const editor = bob.page.getByRole('textbox', { name: 'Edit message' });
  await editor.fill('before the restart, reworded while Ann was away');
  await editor.press('Enter');
  await expectMessageOnce(bob.page, 'before the restart, reworded while Ann was away');
  await bobs('soon deleted').hover();
  await bobs('soon deleted').getByRole('button', { name: 'Delete message' }).click();
  await bob.page.getByRole('group', { name: 'Confirm delete' }).getByRole('button', { name: 'Delete' }).click();
  await expect(messages(bob.page).getByText('soon deleted')).toHaveCount(0);

  // Ann is not connected; what she writes shows as pending.
  await expect.poll(() => held.length, { timeout: 20_000 }).toBeGreaterThan(0);
  await expect(ann.page.getByRole('status')).not.toHaveText('Connected');
  await say(ann.page, room, 'written while away');
  await expect(messages(ann.page).locator('.message.pending', { hasText: 'written while away' })).toBeVisible();

  // Let her through: she reconnects, catches up, and her message goes out.
  holdAnn = false;
  for (const ws of held) await ws.close();
  await expectConnected(ann.page);
  await expectMessageOnce(ann.page, 'said while Ann was away 1');
  await expectMessageOnce(ann.page, 'said while Ann was away 2');
  await expectMessageOnce(ann.page, 'before the restart, reworded while Ann was away');
  await expect(messages(ann.page).locator('.message', { hasText: 'reworded while Ann was away' }).getByText('(edited)')).toBeVisible();
  await expect(messages(ann.page).getByText('soon deleted')).toHaveCount(0);
  await expectMessageOnce(ann.page, 'written while away');
  await expectMessageOnce(bob.page, 'written while away');
  await expect(composer(ann.page, room)).toBeEditable();

  await ann.context.close();
  await bob.context.close();
});

// A socket whose network silently died stays "open" for minutes, and browsers
// hide WebSocket pings from pages: the app pings by itself after 5 s of quiet
// and gives up on the socket when 3 s more pass without an answer.
test('a silent connection is noticed within seconds and replaced', async ({ browser }) => {
  test.setTimeout(90_000);
  const ann = await newPerson(browser, 'quiet');
  // Every socket of Ann's goes through here: relayed while the "network" is
  // up; while it is down, nothing passes either way and new sockets reach no
  // server (they open, and nothing ever answers).
  let down = false;
  await ann.context.routeWebSocket(/\/ws$/, (ws) => {
    if (down) return;
    const server = ws.connectToServer();
    ws.onMessage((m) => {
      if (!down) server.send(m);
    });
    server.onMessage((m) => {
      if (!down) ws.send(m);
    });
  });
  await ann.page.reload();
  await expectConnected(ann.page);
  const room = await createRoom(ann);

  down = true;
  const cut = Date.now();
  await expect(ann.page.getByRole('status')).toHaveText('Connection lost, reconnecting', { timeout: 15_000 });
  const noticedMs = Date.now() - cut;
  console.log(`dead socket noticed after ${noticedMs} ms`);
  expect(noticedMs, 'noticed within the 5 s + 3 s deadline (and some slack)').toBeLessThan(12_000);

  down = false;
  await expectConnected(ann.page);
  await say(ann.page, room, 'after the silence');
  await expectMessageOnce(ann.page, 'after the silence');
  await ann.context.close();
});

test('going offline shows at once, and coming back reconnects', async ({ browser }) => {
  const ann = await newPerson(browser, 'offline');
  await ann.context.setOffline(true);
  await expect(ann.page.getByRole('status')).toHaveText('Offline: no network', { timeout: 3_000 });
  await ann.context.setOffline(false);
  await expectConnected(ann.page);
  await ann.context.close();
});
