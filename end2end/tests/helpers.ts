// Shared steps for the browser tests. Every test makes its own users and rooms
// with random names, so the suite runs against a database that is not empty.
import { expect, type Browser, type BrowserContext, type Page, type Locator } from '@playwright/test';

export const PASSWORD = 'correct horse battery';

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

/** A new browser context (its own cookies) with a freshly registered user on the chat page. */
export async function newPerson(browser: Browser, prefix: string): Promise<Person> {
  const context = await browser.newContext();
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
