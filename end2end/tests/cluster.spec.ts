// Cluster mode in real browsers: two nodes (two ports) on one PostgreSQL
// database and Redis, started by run.sh (end2end/cluster.sh). People on
// different nodes chat as in one room, and a visitor on one node is answered
// from a console on the other.
import { test, expect } from '@playwright/test';
import {
  ADMIN,
  PASSWORD,
  createRoom,
  expectConnected,
  expectMessageOnce,
  hydrated,
  joinRoom,
  newPerson,
  say,
  uniqueName,
} from './helpers';

const A = process.env.E2E_NODE_A ?? '';
const B = process.env.E2E_NODE_B ?? '';

test.skip(!A || !B, 'run.sh starts the two cluster nodes (E2E_NODE_A, E2E_NODE_B)');

test('two people on two nodes chat as in one room', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann', A);
  const bob = await newPerson(browser, 'bob', B);
  // The room made on A appears live in B's list (its announcement crossed the bus).
  const room = await createRoom(ann, 'cluster');
  await joinRoom(bob, room);
  // Bob is online in the room for Ann, though he is on the other node.
  await expect(ann.page.getByRole('list', { name: 'Online' }).getByText(bob.name, { exact: true })).toBeVisible();
  await expect(bob.page.getByRole('list', { name: 'Online' }).getByText(ann.name, { exact: true })).toBeVisible();

  const hello = `hello from node A ${Date.now().toString(36)}`;
  await say(ann.page, room, hello);
  await expectMessageOnce(bob.page, hello);
  const back = `and back from node B ${Date.now().toString(36)}`;
  await say(bob.page, room, back);
  await expectMessageOnce(ann.page, back);

  await ann.context.close();
  await bob.context.close();
});

test('a visitor on one node is answered from a console on the other', async ({ browser }) => {
  // An agent, registered and promoted on A, works the console on B.
  const agentContext = await browser.newContext({ baseURL: B });
  const agentName = uniqueName('agent');
  const reg = await agentContext.request.post('/api/auth/register', {
    data: { username: agentName, password: PASSWORD },
  });
  expect(reg.status()).toBe(201);
  const { user } = await reg.json();
  const adminContext = await browser.newContext({ baseURL: A });
  const login = await adminContext.request.post('/api/auth/login', {
    data: { username: ADMIN, password: PASSWORD },
  });
  expect(login.status(), `log in as ${ADMIN} (registered by cluster.sh)`).toBe(200);
  const promoted = await adminContext.request.patch(`/api/users/${user.id}`, { data: { role: 'agent' } });
  expect(promoted.status()).toBe(200);
  await adminContext.close();

  const agent = await agentContext.newPage();
  await agent.goto('/console');
  await hydrated(agent);
  await expectConnected(agent);
  await agent.getByLabel('Your status').selectOption('online');

  const visitorContext = await browser.newContext({ baseURL: A });
  const visitor = await visitorContext.newPage();
  await visitor.goto('/support');
  await hydrated(visitor);
  await expect(visitor.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  const name = uniqueName('Vis');
  const question = `Is node B listening? ${Date.now().toString(36)}`;
  await visitor.getByLabel('Your name (optional)').fill(name);
  await visitor.getByLabel('How can we help?').fill(question);
  await visitor.getByRole('button', { name: 'Start conversation' }).click();
  const visitorLog = visitor.getByRole('log', { name: 'Messages' });
  await expect(visitorLog.getByText(question, { exact: true })).toHaveCount(1);
  // Routed across nodes to the only agent online.
  await expect(visitor.getByText(`You are talking to ${agentName}`)).toBeVisible();

  const row = agent.getByRole('tabpanel').locator('.console-row', { hasText: name });
  await expect(row).toContainText(question);
  await row.getByRole('link').click();
  const pane = agent.getByRole('region', { name: `Conversation with ${name}` });
  await expect(pane.getByRole('log').getByText(question)).toBeVisible();
  const answer = `Yes, from node B ${Date.now().toString(36)}`;
  const box = pane.getByRole('textbox', { name: `Reply to ${name}` });
  await box.fill(answer);
  await box.press('Enter');
  await expect(visitorLog.getByText(answer, { exact: true })).toHaveCount(1);

  await visitorContext.close();
  await agentContext.close();
});
