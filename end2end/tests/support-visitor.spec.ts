// The visitor's side of the support desk, in the browser, against a real agent:
// the agent is an account the admin made an agent, connected over a real
// WebSocket from its own logged-in browser context (see RawSocket).
import { test, expect, type Browser, type Page } from '@playwright/test';
import { hydrated, newAgent, onlineDesk, RawSocket, uniqueName } from './helpers';

/** A fresh visitor (own cookies) on /support, connected. */
async function newVisitor(browser: Browser) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/support');
  await hydrated(page);
  await expect(page.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  return { context, page };
}

function log(page: Page) {
  return page.getByRole('log', { name: 'Messages' });
}

async function startConversation(page: Page, text: string, name?: string): Promise<void> {
  if (name) await page.getByLabel('Your name (optional)').fill(name);
  await page.getByLabel('How can we help?').fill(text);
  await page.getByRole('button', { name: 'Start conversation' }).click();
  await expect(log(page).getByText(text, { exact: true })).toHaveCount(1);
  await expect(log(page).locator('.pending')).toHaveCount(0);
}

test('a visitor talks to a live agent, keeps the history on reload, and rates the answer', async ({ browser }) => {
  const agent = await newAgent(browser, 'agent');
  const desk = await onlineDesk(agent.page);

  const visitor = await newVisitor(browser);
  const page = visitor.page;
  const who = uniqueName('Vera');
  const question = `Where is my order ${Date.now().toString(36)}?`;
  await startConversation(page, question, who);

  // The desk sees the conversation; the agent makes sure it is theirs.
  const row = await desk.waitFor({ type: 'support.conversation', visitor_name: who });
  const conversation: number = row.id;
  if (row.assignee?.id !== agent.id) {
    await desk.send({ type: 'support.claim', conversation });
  }
  await expect(page.getByText(`You are talking to ${agent.name}`)).toBeVisible();

  await desk.send({ type: 'support.join', conversation });
  await desk.waitFor({ type: 'support.history', conversation });

  // Agent typing, then the reply, live, with the agent's name and a clickable link.
  await desk.send({ type: 'support.typing', conversation });
  await expect(page.getByText(`${agent.name} is typing…`)).toBeVisible();
  const reply = `It ships today: https://example.com/track/${Date.now().toString(36)}`;
  await desk.send({ type: 'support.send', conversation, body: reply, client_id: `a-${Date.now()}` });
  const replyRow = log(page).locator('li.agent', { hasText: 'It ships today' });
  await expect(replyRow).toHaveCount(1);
  await expect(replyRow.locator('.visitor-author')).toHaveText(agent.name);
  await expect(replyRow.getByRole('link', { name: /^https:\/\/example\.com\/track\// })).toBeVisible();
  await expect(page.getByText(`${agent.name} is typing…`)).toHaveCount(0);

  // The visitor answers; the agent sees the typing and the message.
  const thanks = 'Great, thank you <b>not bold</b>';
  const box = page.getByRole('textbox', { name: 'Your message' });
  await box.pressSequentially(thanks, { delay: 5 });
  await desk.waitFor({ type: 'support.typing', conversation, kind: 'visitor' });
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await desk.waitFor({ type: 'support.message', conversation, body: thanks, author_kind: 'visitor' });
  // Plain text, never HTML.
  await expect(log(page).getByText(thanks, { exact: true })).toHaveCount(1);
  await expect(log(page).locator('b')).toHaveCount(0);

  // Reload: same cookie, same conversation, whole history.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('status')).toHaveText('Connected');
  await expect(log(page).getByText(question, { exact: true })).toHaveCount(1);
  await expect(log(page).locator('li.agent', { hasText: 'It ships today' })).toHaveCount(1);
  await expect(log(page).getByText(thanks, { exact: true })).toHaveCount(1);
  await expect(page.getByText(`You are talking to ${agent.name}`)).toBeVisible();

  // Resolved: the rating form, then thanks; the desk records the score.
  await desk.send({ type: 'support.resolve', conversation });
  const rating = page.getByRole('group', { name: 'How did we do?' });
  await expect(rating).toBeVisible();
  await rating.getByLabel('4 stars').check();
  await page.getByLabel('Comment (optional)').fill('Quick and kind.');
  await page.getByRole('button', { name: 'Send rating' }).click();
  await expect(page.getByText('Thank you for your feedback!')).toBeVisible();
  await desk.waitFor({ type: 'support.message', conversation, body: 'The visitor rated the conversation 4/5' });
  // Issue 11.2: a reload remembers the rating and does not ask again.
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('status')).toHaveText('Connected');
  await expect(page.getByText('Thank you for your feedback!')).toBeVisible();
  await expect(page.getByRole('group', { name: 'How did we do?' })).toHaveCount(0);
  // The composer stays: writing again would reopen the conversation.
  await expect(page.getByRole('textbox', { name: 'Your message' })).toBeVisible();

  // Another visitor sees none of it, and cannot join it by id.
  const other = await newVisitor(browser);
  await expect(other.page.getByLabel('How can we help?')).toBeVisible();
  await expect(other.page.getByText(question)).toHaveCount(0);
  const snoop = await RawSocket.open(other.page);
  await snoop.waitFor({ type: 'support.hello' });
  await snoop.send({ type: 'support.join', conversation });
  await snoop.waitFor({ type: 'error', code: 'not_found' });

  await other.context.close();
  await visitor.context.close();
  await agent.context.close();
});

test('with no agent online the visitor is told so and leaves an email', async ({ browser }) => {
  const visitor = await newVisitor(browser);
  const page = visitor.page;
  // Agents of earlier tests have gone: wait until the desk says so.
  await expect
    .poll(async () => (await (await page.request.post('/api/support/session', { data: {} })).json()).desk.agents_online, {
      timeout: 20_000,
    })
    .toBe(false);
  await page.reload();
  await hydrated(page);
  await expect(page.getByRole('status')).toHaveText('Connected');

  await startConversation(page, `Anyone there? ${Date.now().toString(36)}`);
  const away = page.getByRole('region', { name: 'No agents are online right now' });
  await expect(away).toBeVisible();
  await away.getByLabel('Email for our reply').fill('not-an-address');
  await away.getByRole('button', { name: 'Leave email' }).click();
  await expect(away.getByText('Email is not an email address.')).toBeVisible();
  await away.getByLabel('Email for our reply').fill('vera@example.com');
  await away.getByRole('button', { name: 'Leave email' }).click();
  await expect(away.getByText('Thanks! We will answer at vera@example.com.')).toBeVisible();
  // The desk's line, worded for the visitor (issue 11: not "The visitor left…").
  await expect(log(page).getByText('We will answer at vera@example.com', { exact: true })).toBeVisible();
  await visitor.context.close();
});
