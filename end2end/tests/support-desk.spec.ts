// Both sides of the support desk in their real pages, in two browser contexts:
// a visitor on /support and an agent on /console chat live; the agent resolves
// and the visitor rates, and the console shows the rating's effect on status.
import { test, expect } from '@playwright/test';
import { expectConnected, hydrated, newAgent, uniqueName } from './helpers';

test('a visitor on /support and an agent on /console hold a conversation; resolve, then rate', async ({ browser }) => {
  const agent = await newAgent(browser, 'desk');
  await agent.page.goto('/console');
  await hydrated(agent.page);
  await expectConnected(agent.page);
  await agent.page.getByLabel('Your status').selectOption('online');

  const visitorContext = await browser.newContext();
  const visitor = await visitorContext.newPage();
  await visitor.goto('/support');
  await hydrated(visitor);
  await expect(visitor.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  const name = uniqueName('Vis');
  const question = `My parcel is stuck ${Date.now().toString(36)}`;
  await visitor.getByLabel('Your name (optional)').fill(name);
  await visitor.getByLabel('How can we help?').fill(question);
  await visitor.getByRole('button', { name: 'Start conversation' }).click();
  const visitorLog = visitor.getByRole('log', { name: 'Messages' });
  await expect(visitorLog.getByText(question, { exact: true })).toHaveCount(1);
  // Routed to the only agent online; the visitor is told who answers.
  await expect(visitor.getByText(`You are talking to ${agent.name}`)).toBeVisible();

  // The agent finds it under Mine, live, and opens it.
  const row = agent.page.getByRole('tabpanel').locator('.console-row', { hasText: name });
  await expect(row).toContainText(question);
  await row.getByRole('link').click();
  const pane = agent.page.getByRole('region', { name: `Conversation with ${name}` });
  await expect(pane.getByRole('log').getByText(question)).toBeVisible();

  // Typing shows on the other side, both ways.
  const visitorBox = visitor.getByRole('textbox', { name: 'Your message' });
  await visitorBox.pressSequentially('hel', { delay: 20 });
  await expect(pane.locator('.typing-line')).toContainText('is typing…');
  const agentBox = pane.getByRole('textbox', { name: `Reply to ${name}` });
  await agentBox.pressSequentially('Hi', { delay: 20 });
  await expect(visitor.getByText(`${agent.name} is typing…`)).toBeVisible();

  // A reply each way, once on both screens.
  const answer = `Found it, it leaves today ${Date.now().toString(36)}`;
  await agentBox.fill(answer);
  await agentBox.press('Enter');
  await expect(visitorLog.getByText(answer, { exact: true })).toHaveCount(1);
  const thanks = `Great, thanks ${Date.now().toString(36)}`;
  await visitorBox.fill(thanks);
  await visitorBox.press('Enter');
  await expect(pane.getByRole('log').getByText(thanks, { exact: true })).toHaveCount(1);

  // The agent resolves; the visitor is asked for a rating and gives one.
  await pane.getByRole('button', { name: 'Resolve' }).click();
  await expect(pane.getByTestId('pane-status')).toHaveText('resolved');
  const rating = visitor.getByRole('group', { name: 'How did we do?' });
  await expect(rating).toBeVisible();
  await rating.getByLabel('5 stars').check();
  await visitor.getByLabel('Comment (optional)').fill('Fast and friendly.');
  await visitor.getByRole('button', { name: 'Send rating' }).click();
  await expect(visitor.getByText('Thank you for your feedback!')).toBeVisible();

  // The rating is stored with the conversation (what the console's detail reads).
  const id = new URL(agent.page.url()).searchParams.get('c');
  const detail = await agent.page.request.get(`/api/support/conversations/${id}`);
  expect(detail.ok()).toBeTruthy();
  expect(JSON.stringify(await detail.json())).toContain('Fast and friendly.');

  await visitorContext.close();
  await agent.context.close();
});
