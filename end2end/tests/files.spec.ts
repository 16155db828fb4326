// Files and images (issue 14), end to end: pictures pasted into a composer
// (a screenshot), files picked with the attach button; the other side sees a
// thumbnail that really loaded and opens the viewer, or a card whose download
// link gives back the same bytes. In a chat room between two users, between a
// visitor on /support and an agent in the console, and in the widget where
// the browser keeps no cookie of ours (the bytes come with the visitor token).
import { readFileSync } from 'node:fs';
import { test, expect, chromium, type Browser, type Locator, type Page } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from '../chromium';
import {
  createRoom,
  composer,
  expectConnected,
  expectRoomOpen,
  hydrated,
  joinRoom,
  messages,
  newAgent,
  newPerson,
  onlineDesk,
  uniqueName,
} from './helpers';

/**
 * Pastes a `width`×`height` PNG drawn on a canvas into `box`, as a
 * screenshot pasted from the clipboard arrives: a `paste` event whose
 * `clipboardData` holds the file.
 */
async function pastePicture(box: Locator, name: string, width: number, height: number): Promise<void> {
  await box.evaluate(
    (el, { name, width, height }) =>
      new Promise<void>((resolve, reject) => {
        const canvas = document.createElement('canvas');
        canvas.width = width;
        canvas.height = height;
        const g = canvas.getContext('2d')!;
        g.fillStyle = '#3452d6';
        g.fillRect(0, 0, width, height);
        g.fillStyle = '#f5a623';
        g.fillRect(width / 4, height / 4, width / 2, height / 2);
        canvas.toBlob((blob) => {
          if (!blob) return reject(new Error('no PNG from the canvas'));
          const data = new DataTransfer();
          data.items.add(new File([blob], name, { type: 'image/png' }));
          el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
          resolve();
        }, 'image/png');
      }),
    { name, width, height },
  );
}

/** A PNG's bytes, drawn in `page` (Node has no canvas). */
async function pngBytes(page: Page, width: number, height: number): Promise<Buffer> {
  const base64 = await page.evaluate(
    ({ width, height }) => {
      const canvas = document.createElement('canvas');
      canvas.width = width;
      canvas.height = height;
      const g = canvas.getContext('2d')!;
      g.fillStyle = '#1e7a3c';
      g.fillRect(0, 0, width, height);
      return canvas.toDataURL('image/png').split(',')[1];
    },
    { width, height },
  );
  return Buffer.from(base64, 'base64');
}

/** The picture's own pixel width once it has loaded (0 until then, or if it failed). */
function loadedWidth(img: Locator): Promise<number> {
  return img.evaluate((i: HTMLImageElement) => (i.complete ? i.naturalWidth : 0));
}

async function expectLoaded(img: Locator, width?: number): Promise<void> {
  await img.scrollIntoViewIfNeeded();
  if (width === undefined) {
    await expect.poll(() => loadedWidth(img), { timeout: 15_000 }).toBeGreaterThan(0);
  } else {
    await expect.poll(() => loadedWidth(img), { timeout: 15_000 }).toBe(width);
  }
}

/** Clicks a download link and returns what was saved: its name and bytes. */
async function download(page: Page, link: Locator): Promise<{ name: string; bytes: Buffer }> {
  const [saved] = await Promise.all([page.waitForEvent('download'), link.click()]);
  const path = await saved.path();
  return { name: saved.suggestedFilename(), bytes: readFileSync(path!) };
}

/** Waits until every chip in `scope` has uploaded. */
async function expectUploaded(scope: Locator, count: number): Promise<void> {
  await expect(scope.locator('.attachment-chip')).toHaveCount(count);
  await expect(scope.locator('.attachment-progress')).toHaveCount(0, { timeout: 20_000 });
  await expect(scope.locator('.attachment-chip.failed')).toHaveCount(0);
}

test('a pasted screenshot and a picked file reach the other person in the room', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'files');
  await joinRoom(bob, room);

  // Ann pastes a screenshot and sends it without a word.
  const box = composer(ann.page, room);
  await pastePicture(box, 'screenshot.png', 720, 480);
  const chip = ann.page.locator('.attachment-chip', { hasText: 'screenshot.png' });
  await expect(chip).toBeVisible();
  await expectUploaded(ann.page.locator('form.composer'), 1);
  await box.press('Enter');
  await expect(ann.page.locator('.attachment-chip')).toHaveCount(0);
  await expect(messages(ann.page).locator('.message.pending')).toHaveCount(0);

  // Bob sees it loaded, at its thumbnail size (720×480 fits 360×240), then opens it.
  const thumb = messages(bob.page).locator('img.attachment-thumb');
  await expect(thumb).toHaveCount(1);
  await expect(thumb).toHaveAttribute('alt', 'screenshot.png');
  await expect(thumb).toHaveAttribute('width', '360');
  await expect(thumb).toHaveAttribute('height', '240');
  await expectLoaded(thumb);
  await thumb.click();
  const viewer = bob.page.locator('.file-viewer');
  await expect(viewer).toBeVisible();
  await expect(viewer).toContainText('screenshot.png');
  await expectLoaded(viewer.locator('img.file-viewer-img'), 720);
  await expect(viewer.getByRole('link', { name: 'Download' })).toHaveAttribute('download', 'screenshot.png');
  await bob.page.keyboard.press('Escape');
  await expect(viewer).toHaveCount(0);
  // A click outside the picture closes it too.
  await thumb.click();
  await expect(viewer).toBeVisible();
  await viewer.click({ position: { x: 5, y: 5 } });
  await expect(viewer).toHaveCount(0);

  // Bob picks a PDF with the attach button and says something with it.
  const pdf = Buffer.from('%PDF-1.4\n% Quarterly report\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  await expect(bob.page.getByRole('button', { name: 'Attach files' })).toBeVisible();
  await bob.page.locator('form.composer input.attach-input').setInputFiles({
    name: 'report.pdf',
    mimeType: 'application/pdf',
    buffer: pdf,
  });
  await expectUploaded(bob.page.locator('form.composer'), 1);
  await expect(bob.page.locator('.attachment-chip')).toContainText('report.pdf');
  // A visit to another room keeps the room's attachment, as it keeps a draft.
  const elsewhere = await createRoom(bob, 'elsewhere');
  await expect(bob.page.locator('.attachment-chip')).toHaveCount(0);
  await bob.page.locator('a.room-link', { hasText: room }).click();
  await expectRoomOpen(bob.page, room);
  await expect(bob.page.locator('.attachment-chip')).toContainText('report.pdf');
  expect(elsewhere).not.toBe(room);
  const words = `the report ${Date.now().toString(36)}`;
  const bobsBox = composer(bob.page, room);
  await bobsBox.fill(words);
  await bobsBox.press('Enter');

  // Ann sees the card with its name, size and type; its link gives the same bytes.
  const line = messages(ann.page).locator('.message', { hasText: words });
  const card = line.locator('.attachment-file');
  await expect(card).toHaveCount(1);
  await expect(card).toContainText('report.pdf');
  await expect(card).toContainText('application/pdf');
  await expect(card).toContainText(`${pdf.length} B`);
  const link = card.getByRole('link', { name: 'Download' });
  await expect(link).toHaveAttribute('download', 'report.pdf');
  const saved = await download(ann.page, link);
  expect(saved.name).toBe('report.pdf');
  expect(saved.bytes.equals(pdf)).toBe(true);

  // After a reload the picture is still there (the files are stored with the message).
  await ann.page.reload();
  await hydrated(ann.page);
  await expectConnected(ann.page);
  await expectLoaded(messages(ann.page).locator('img.attachment-thumb'));
  await Promise.all([ann.context.close(), bob.context.close()]);
});

test('a visitor sends a screenshot to the console and gets a picture and a file back, each side seeing when the other has read', async ({ browser }) => {
  // The agent: online and subscribed on a raw socket (to claim the
  // conversation whatever other agents are online), the console in a page.
  const agent = await newAgent(browser, 'files');
  const desk = await onlineDesk(await agent.context.newPage());

  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto('/support');
  await hydrated(visitor);
  await expect(visitor.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  const who = uniqueName('Vic');
  const question = `My screen shows an error ${Date.now().toString(36)}`;
  await visitor.getByLabel('Your name (optional)').fill(who);
  await visitor.getByLabel('How can we help?').fill(question);
  // The first message carries the console's log, picked in the pre-chat form.
  await visitor.locator('form.visitor-prechat input.attach-input').setInputFiles({
    name: 'console-log.txt',
    mimeType: 'text/plain',
    buffer: Buffer.from('TypeError: x is undefined\n'),
  });
  await expectUploaded(visitor.locator('form.visitor-prechat'), 1);
  await visitor.getByRole('button', { name: 'Start conversation' }).click();
  const visitorLog = visitor.getByRole('log', { name: 'Messages' });
  await expect(visitorLog.getByText(question, { exact: true })).toHaveCount(1);
  await expect(visitorLog.locator('li.mine:not(.pending) .attachment-file', { hasText: 'console-log.txt' })).toHaveCount(1);
  const row = await desk.waitFor({ type: 'support.conversation', visitor_name: who });
  if (row.assignee?.id !== agent.id) await desk.send({ type: 'support.claim', conversation: row.id });

  // The visitor pastes a screenshot; Enter sends it with no text.
  const box = visitor.getByRole('textbox', { name: 'Your message' });
  await pastePicture(box, 'error.png', 400, 300);
  await expectUploaded(visitor.locator('form.visitor-composer'), 1);
  await box.press('Enter');
  await expect(visitor.locator('.attachment-chip')).toHaveCount(0);
  const own = visitorLog.locator('li.mine:not(.pending) img.attachment-thumb');
  await expect(own).toHaveCount(1);
  // Through the blob path: an object URL, loaded.
  await expect(own).toHaveAttribute('src', /^blob:/);
  await expectLoaded(own);

  // The agent sees it in the console and opens it.
  await agent.page.goto(`/console?c=${row.id}`);
  await hydrated(agent.page);
  await expectConnected(agent.page);
  const pane = agent.page.getByRole('region', { name: `Conversation with ${who}` });
  await expect(pane.getByRole('log').locator('.attachment-file', { hasText: 'console-log.txt' })).toHaveCount(1);
  const thumb = pane.getByRole('log').locator('img.attachment-thumb');
  await expect(thumb).toHaveCount(1);
  await expect(thumb).toHaveAttribute('width', '360');
  await expect(thumb).toHaveAttribute('height', '270');
  await expectLoaded(thumb);
  // The console has read it: the visitor sees a read receipt under it.
  await expect(visitorLog.locator('.seen-by')).toHaveText('Seen');
  await thumb.click();
  const viewer = agent.page.locator('.file-viewer');
  await expectLoaded(viewer.locator('img.file-viewer-img'), 400);
  await viewer.getByRole('button', { name: 'Close' }).click();
  await expect(viewer).toHaveCount(0);

  // The agent answers with a picture and a text file, picked with the attach button.
  const picture = await pngBytes(agent.page, 640, 320);
  const steps = Buffer.from(`1. Restart the app\n2. Try again ${Date.now().toString(36)}\n`);
  await expect(pane.getByRole('button', { name: 'Attach files' })).toBeVisible();
  await pane.locator('input.attach-input').setInputFiles([
    { name: 'fixed.png', mimeType: 'image/png', buffer: picture },
    { name: 'steps.txt', mimeType: 'text/plain', buffer: steps },
  ]);
  await expectUploaded(pane, 2);
  const reply = pane.getByRole('textbox', { name: `Reply to ${who}` });
  await reply.fill('Here is what to do');
  await reply.press('Enter');
  await expect(pane.getByRole('log').locator('.attachment-file', { hasText: 'steps.txt' })).toHaveCount(1);

  // The visitor sees both, loaded through the blob path, and downloads the file.
  const answer = visitorLog.locator('li.agent', { hasText: 'Here is what to do' });
  // …and has read it, which the console shows.
  await expect(pane.getByRole('log').locator('.seen-by')).toHaveText('Seen by the visitor');
  const picture2 = answer.locator('img.attachment-thumb');
  await expect(picture2).toHaveAttribute('src', /^blob:/);
  await expectLoaded(picture2);
  await picture2.click();
  await expectLoaded(visitor.locator('.file-viewer img.file-viewer-img'), 640);
  await visitor.keyboard.press('Escape');
  await expect(visitor.locator('.file-viewer')).toHaveCount(0);
  const card = answer.locator('.attachment-file');
  await expect(card).toContainText('steps.txt');
  await expect(card).toContainText('text/plain');
  const saved = await download(visitor, card.getByRole('link', { name: 'Download' }));
  expect(saved.name).toBe('steps.txt');
  expect(saved.bytes.equals(steps)).toBe(true);

  // Resolved, so it does not wait in the queue of later tests' consoles.
  await desk.send({ type: 'support.resolve', conversation: row.id });
  await expect(visitor.getByRole('group', { name: 'How did we do?' })).toBeVisible();
  await visitorContext.close();
  await agent.context.close();
});

test('in the widget without third-party cookies, pictures go both ways with the visitor token', async ({ browser }) => {
  const HOST_PORT = process.env.E2E_WIDGET_PORT ?? '3101';
  const agent = await newAgent(browser, 'wfiles');
  const desk = await onlineDesk(agent.page);
  let shopper: Browser | undefined;
  try {
    shopper = await chromium.launch({
      executablePath: CHROMIUM,
      args: [...CHROMIUM_ARGS, '--test-third-party-cookie-phaseout', '--host-resolver-rules=MAP shop.test 127.0.0.1'],
    });
    const page = await (await shopper.newContext()).newPage();
    await page.goto(`http://shop.test:${HOST_PORT}/widget-host.html`);
    await page.getByRole('button', { name: 'Chat with us' }).click();
    const frame = page.frameLocator('iframe[title="Support chat"]');
    await frame.locator('body[data-hydrated]').waitFor({ state: 'attached' });
    await expect(frame.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });

    const text = `Look at this ${Date.now().toString(36)}`;
    await frame.getByLabel('How can we help?').fill(text);
    await frame.getByRole('button', { name: 'Start conversation' }).click();
    const log = frame.getByRole('log', { name: 'Messages' });
    await expect(log.getByText(text, { exact: true })).toBeVisible();
    const row = await desk.waitFor({ type: 'support.conversation', last_message: text });
    if (row.assignee?.id !== agent.id) await desk.send({ type: 'support.claim', conversation: row.id });
    await desk.send({ type: 'support.join', conversation: row.id });
    await desk.waitFor({ type: 'support.history', conversation: row.id });

    // The upload carries the token (no cookie here); the agent gets the picture.
    const box = frame.getByRole('textbox', { name: 'Your message' });
    await pastePicture(box, 'widget.png', 200, 100);
    await expectUploaded(frame.locator('form.visitor-composer'), 1);
    await box.press('Enter');
    const sent = await desk.waitFor({ type: 'support.message', conversation: row.id, author_kind: 'visitor', body: '' });
    expect(sent.files).toHaveLength(1);
    expect(sent.files[0]).toMatchObject({ name: 'widget.png', content_type: 'image/png', width: 200, height: 100 });
    const got = await agent.context.request.get(sent.files[0].url);
    expect(got.status()).toBe(200);
    expect(got.headers()['content-type']).toBe('image/png');
    await expectLoaded(log.locator('li.mine:not(.pending) img.attachment-thumb'));

    // The agent answers with a picture; the widget loads it with the token.
    const upload = await agent.context.request.post('/api/files', {
      multipart: { file: { name: 'answer.png', mimeType: 'image/png', buffer: await pngBytes(agent.page, 300, 150) } },
    });
    expect(upload.status()).toBe(201);
    const file = await upload.json();
    await desk.send({
      type: 'support.send',
      conversation: row.id,
      body: 'See the marked button',
      client_id: `a-${Date.now()}`,
      files: [file.id],
    });
    const picture = log.locator('li.agent', { hasText: 'See the marked button' }).locator('img.attachment-thumb');
    await expect(picture).toHaveAttribute('src', /^blob:/);
    await expectLoaded(picture);
    // Resolved, so it does not wait in the queue of later tests' consoles.
    await desk.send({ type: 'support.resolve', conversation: row.id });
    await expect(frame.getByRole('group', { name: 'How did we do?' })).toBeVisible();
  } finally {
    await shopper?.close();
    await agent.context.close();
  }
});
