// Registration by invite: this spec starts its own server (the suite's
// binary: SWITCHBOARD_BIN, or the release build) with
// SWITCHBOARD_REGISTRATION=invite on a fresh database (the suite's server is
// open), registers its admin (the first account, on loopback), and then an
// admin makes an invite link on /admin that a new browser registers with —
// once: the link is single-use — while a browser without a link is told to
// ask for one, and a revoked link says so.
import { test, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PASSWORD, hydrated, uniqueName } from './helpers';

const root = path.resolve(__dirname, '..', '..');
const port = Number(process.env.E2E_PORT ?? 3100) + 2;
const base = `http://127.0.0.1:${port}`;
const ADMIN = 'invite-admin';
let server: ChildProcess | undefined;
let data = '';

test.beforeAll(async () => {
  data = mkdtempSync(path.join(tmpdir(), 'switchboard-invites-'));
  server = spawn(process.env.SWITCHBOARD_BIN ?? path.join(root, 'target', 'release', 'server'), [], {
    cwd: root,
    env: {
      ...process.env,
      SWITCHBOARD_ADDR: `127.0.0.1:${port}`,
      DATABASE_URL: `sqlite://${data}/invites.db`,
      LEPTOS_SITE_ROOT: path.join(root, 'target', 'site'),
      SWITCHBOARD_REGISTRATION: 'invite',
      RUST_LOG: 'warn',
    },
    stdio: 'ignore',
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      if ((await fetch(`${base}/login`)).ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`the invite-mode server on ${base} did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
  // The first account needs no invite on loopback, and becomes the admin.
  const res = await fetch(`${base}/api/auth/register`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: ADMIN, password: PASSWORD }),
  });
  expect(res.status).toBe(201);
});

test.afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once('exit', r));
    server.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
  }
  if (data) rmSync(data, { recursive: true, force: true });
});

async function register(page: Page, link: string, name: string): Promise<void> {
  await page.goto(link);
  await hydrated(page);
  await expect(page.getByText('You were invited.')).toBeVisible();
  await page.getByLabel('Username').fill(name);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL((url) => url.pathname === '/');
}

test('an admin makes an invite link on /admin and a new browser registers with it, once', async ({ browser }) => {
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  await admin.goto(`${base}/login`);
  await hydrated(admin);
  // The login page does not offer a form it would refuse.
  await expect(admin.getByText('Open the invite link an admin sent you.')).toBeVisible();
  await admin.getByLabel('Username').fill(ADMIN);
  await admin.getByLabel('Password').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Log in' }).click();
  await admin.waitForURL((url) => url.pathname === '/');

  await admin.goto(`${base}/admin`);
  await hydrated(admin);
  await expect(admin.getByRole('heading', { name: 'Invite links' })).toBeVisible();
  await admin.getByLabel('Uses').fill('1');
  await admin.getByLabel('Expires in').selectOption({ label: '7 days' });
  await admin.getByRole('button', { name: 'Create invite' }).click();
  const linkBox = admin.getByRole('textbox', { name: 'New invite link' });
  await expect(linkBox).toHaveValue(new RegExp(`^${base}/register\\?invite=[0-9a-f]{64}$`));
  const link = await linkBox.inputValue();
  const row = admin.locator('.invite-table tbody tr').first();
  await expect(row).toContainText('1 of 1');
  await expect(row.locator('.invite-state')).toHaveText('active');

  // Without a link the register page says how to get in, and shows no form.
  const strangerContext = await browser.newContext();
  const stranger = await strangerContext.newPage();
  await stranger.goto(`${base}/register`);
  await hydrated(stranger);
  await expect(stranger.getByRole('alert')).toContainText('by invitation');
  await expect(stranger.getByLabel('Username')).toBeHidden();

  // With the link, a new browser registers and lands in the chat.
  const guestContext = await browser.newContext();
  const guest = await guestContext.newPage();
  const name = uniqueName('invited');
  await register(guest, link, name);
  await expect(guest.locator('.account-role')).toHaveText('member');

  // The link was for one person: the next browser is told it has been used.
  await stranger.goto(link);
  await hydrated(stranger);
  await expect(stranger.getByRole('alert')).toContainText('already been used');
  await expect(stranger.getByLabel('Username')).toBeHidden();

  // The admin's list counts the use; a revoked link says so too.
  await admin.reload();
  await hydrated(admin);
  const used = admin.locator('.invite-table tbody tr').first();
  await expect(used).toContainText('0 of 1');
  await expect(used.locator('.invite-state')).toHaveText('used');
  await admin.getByRole('button', { name: 'Create invite' }).click();
  await expect(linkBox).not.toHaveValue(link);
  const second = await linkBox.inputValue();
  await admin.locator('.invite-table tbody tr').first().getByRole('button', { name: /^Revoke invite/ }).click();
  await expect(admin.locator('.invite-table tbody tr').first().locator('.invite-state')).toHaveText('revoked');
  await stranger.goto(second);
  await hydrated(stranger);
  await expect(stranger.getByRole('alert')).toContainText('revoked');

  // The invited account is in the admin's users table.
  await expect(admin.getByRole('combobox', { name: `Role for ${name}` })).toHaveValue('member');

  await Promise.all([adminContext.close(), strangerContext.close(), guestContext.close()]);
});
