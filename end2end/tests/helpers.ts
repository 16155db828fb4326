// Shared steps for the browser tests. Every test makes its own users and rooms
// with random names, so the suite runs against a database that is not empty.
import {
  expect,
  request,
  type APIRequestContext,
  type Browser,
  type BrowserContext,
  type Page,
  type Locator,
} from '@playwright/test';

export const PASSWORD = 'correct horse battery';
/** The suite's admin, registered by global-setup.ts before any spec (first account: admin). */
export const ADMIN = 'e2e-admin';
const BASE_URL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

/** A name the server accepts (3–32 of [A-Za-z0-9_.-]) and no other test uses. */
export function uniqueName(prefix: string): string {
  const random = Math.random().toString(36).slice(2, 8);
  return `${prefix}-${Date.now().toString(36)}${random}`.slice(0, 32);
}

/** Waits until the WebAssembly app has taken over the server-rendered page. */
export async function hydrated(page: Page): Promise<void> {
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

export interface Person {
  name: string;
  context: BrowserContext;
  page: Page;
}

/**
 * A new browser context (its own cookies) with a freshly registered user on
 * the chat page; `baseURL` picks another server (a cluster node).
 */
export async function newPerson(browser: Browser, prefix: string, baseURL?: string): Promise<Person> {
  const context = await browser.newContext(baseURL ? { baseURL } : {});
  const page = await context.newPage();
  const name = uniqueName(prefix);
  await page.goto('/register');
  await hydrated(page);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expectConnected(page);
  return { name, context, page };
}

export async function expectConnected(page: Page): Promise<void> {
  await expect(page.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
}

/** Creates a room from the sidebar form and waits until it is open. */
export async function createRoom(person: Person, prefix = 'room'): Promise<string> {
  const room = uniqueName(prefix);
  await person.page.getByLabel('New room name').fill(room);
  await person.page.getByRole('button', { name: 'Create room' }).click();
  await expectRoomOpen(person.page, room);
  return room;
}

/** Joins a room from the "Browse rooms" list (it appears there live). */
export async function joinRoom(person: Person, room: string): Promise<void> {
  await person.page.getByRole('button', { name: `Join ${room}` }).click();
  await expectRoomOpen(person.page, room);
}

export async function expectRoomOpen(page: Page, room: string): Promise<void> {
  await expect(page.getByRole('heading', { level: 1, name: room })).toBeVisible();
  await expect(composer(page, room)).toBeVisible();
}

export function composer(page: Page, room: string): Locator {
  return page.getByRole('textbox', { name: `Message #${room}` });
}

export function messages(page: Page): Locator {
  return page.getByRole('log');
}

/** Types a message the way a person does and sends it with Enter. */
export async function say(page: Page, room: string, text: string): Promise<void> {
  const box = composer(page, room);
  await box.click();
  await box.pressSequentially(text, { delay: 5 });
  await box.press('Enter');
  await expect(box).toHaveValue('');
}

/** The message is shown exactly once (not pending, not duplicated). */
export async function expectMessageOnce(page: Page, text: string): Promise<void> {
  const log = messages(page);
  await expect(log.getByText(text, { exact: true })).toHaveCount(1);
  await expect(log.locator('.message.pending').getByText(text, { exact: true })).toHaveCount(0);
}

/** A new browser context logged in as an existing account, on the chat page. */
export async function logIn(browser: Browser, username: string): Promise<Person> {
  const context = await browser.newContext();
  const res = await context.request.post('/api/auth/login', { data: { username, password: PASSWORD } });
  expect(res.status(), `log in as ${username}`).toBe(200);
  const page = await context.newPage();
  await page.goto('/');
  await hydrated(page);
  await expectConnected(page);
  return { name: username, context, page };
}

/** An API client (no browser) logged in as the suite's admin. */
export async function adminRequest(): Promise<APIRequestContext> {
  const api = await request.newContext({ baseURL: BASE_URL });
  const res = await api.post('/api/auth/login', { data: { username: ADMIN, password: PASSWORD } });
  expect(res.status(), `log in as ${ADMIN} (registered by global-setup.ts)`).toBe(200);
  return api;
}

/**
 * A new account made an agent by the admin, in its own browser context (its
 * session cookie set), with no page open yet. Registered over the HTTP API.
 */
export async function newAgent(browser: Browser, prefix = 'agent'): Promise<Person & { id: number }> {
  const context = await browser.newContext();
  const name = uniqueName(prefix);
  const res = await context.request.post('/api/auth/register', { data: { username: name, password: PASSWORD } });
  expect(res.status()).toBe(201);
  const { user } = await res.json();
  const admin = await adminRequest();
  const promoted = await admin.patch(`/api/users/${user.id}`, { data: { role: 'agent' } });
  expect(promoted.status()).toBe(200);
  await admin.dispose();
  const page = await context.newPage();
  return { name, context, page, id: user.id };
}

/** A JSON frame as the server sends it. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Frame = Record<string, any>;

/**
 * A raw WebSocket to `/ws`, opened inside a page of a browser context, so it
 * carries that context's cookies (an agent's session, or a visitor's cookie):
 * a real connection to the real server. Frames received are kept in order.
 */
export class RawSocket {
  private constructor(private readonly page: Page) {}

  /** Opens it from a same-origin page that runs no app (`/api/me`). */
  static async open(page: Page): Promise<RawSocket> {
    await page.goto('/api/me');
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const w = window as unknown as { __ws: WebSocket; __frames: unknown[] };
          w.__frames = [];
          const ws = new WebSocket(`ws://${location.host}/ws`);
          w.__ws = ws;
          ws.onmessage = (e) => w.__frames.push(JSON.parse(e.data as string));
          ws.onopen = () => resolve();
          ws.onerror = () => reject(new Error('the WebSocket did not open'));
        }),
    );
    return new RawSocket(page);
  }

  async send(frame: Frame): Promise<void> {
    await this.page.evaluate((f) => (window as unknown as { __ws: WebSocket }).__ws.send(JSON.stringify(f)), frame);
  }

  /**
   * Waits for a received frame whose fields equal those of `match` (compared
   * as JSON; `body_contains` matches a substring of `body` or `last_message`).
   */
  async waitFor(match: Frame, timeout = 15_000): Promise<Frame> {
    const handle = await this.page.waitForFunction(
      (m) => {
        const frames = (window as unknown as { __frames: Frame[] }).__frames;
        return (
          frames.find((f) =>
            Object.entries(m).every(([k, v]) =>
              k === 'body_contains'
                ? String(f.body ?? f.last_message ?? '').includes(String(v))
                : JSON.stringify(f[k]) === JSON.stringify(v),
            ),
          ) ?? null
        );
      },
      match,
      { timeout },
    );
    return (await handle.jsonValue()) as Frame;
  }

  async close(): Promise<void> {
    await this.page.evaluate(() => (window as unknown as { __ws: WebSocket }).__ws.close());
  }
}

/** An agent's desk socket, online and subscribed to the desk feed. */
export async function onlineDesk(page: Page): Promise<RawSocket> {
  const desk = await RawSocket.open(page);
  await desk.waitFor({ type: 'hello' });
  await desk.send({ type: 'support.availability', status: 'online' });
  await desk.send({ type: 'support.subscribe' });
  await desk.waitFor({ type: 'support.desk' });
  return desk;
}

/** A new browser context logged in as `name` through the login page (the console spec's way in). */
export async function loginAs(browser: Browser, name: string): Promise<Person> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto('/login');
  await hydrated(page);
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL((url) => url.pathname === '/');
  await expectConnected(page);
  return { name, context, page };
}

/** A bearer token for the suite's admin, for API calls a test makes as the admin. */
export async function adminToken(request: APIRequestContext): Promise<string> {
  const res = await request.post('/api/auth/login', { data: { username: ADMIN, password: PASSWORD } });
  expect(res.ok(), `log in as ${ADMIN}`).toBeTruthy();
  const { token } = (await res.json()) as { token: string };
  return token;
}
