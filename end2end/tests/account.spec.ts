// The account page: changing the password asks for the current one, checks
// the new one, and logs out the account's other sessions at once; the
// sessions list logs out any one of them. And an admin's password reset
// link, used once in a fresh browser.
import { test, expect } from '@playwright/test';
import { ADMIN, PASSWORD, hydrated, logIn, newPerson } from './helpers';

test('changing the password logs out the other sessions', async ({ browser }) => {
  const here = await newPerson(browser, 'pw');
  const elsewhere = await logIn(browser, here.name);

  await here.page.getByRole('link', { name: 'Account' }).click();
  await expect(here.page.getByRole('heading', { name: 'Your account' })).toBeVisible();
  await hydrated(here.page);
  const form = here.page.locator('form').filter({ has: here.page.getByLabel('Current password') });
  const fresh = `new ${PASSWORD} ${Date.now().toString(36)}`;

  // A wrong current password, and two new ones that differ, are refused.
  await here.page.getByLabel('Current password').fill('not my password');
  await here.page.getByLabel('New password', { exact: true }).fill(fresh);
  await here.page.getByLabel('New password again').fill(fresh);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(here.page.getByText('The current password is wrong.')).toBeVisible();
  await here.page.getByLabel('Current password').fill(PASSWORD);
  await here.page.getByLabel('New password again').fill(`${fresh}!`);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(here.page.getByText('The two new passwords differ.')).toBeVisible();

  // Changed: the other session's page goes to the login form at once.
  await here.page.getByLabel('New password again').fill(fresh);
  await form.getByRole('button', { name: 'Change password' }).click();
  await expect(here.page.getByText('Password changed. Your other sessions were logged out.')).toBeVisible();
  await elsewhere.page.waitForURL((url) => url.pathname === '/login', { timeout: 15_000 });
  // This one stays logged in.
  expect((await here.page.request.get('/api/me')).status()).toBe(200);

  // The old password no longer works; the new one does.
  const old = await elsewhere.context.request.post('/api/auth/login', { data: { username: here.name, password: PASSWORD } });
  expect(old.status()).toBe(401);
  const now = await elsewhere.context.request.post('/api/auth/login', { data: { username: here.name, password: fresh } });
  expect(now.status()).toBe(200);
  await Promise.all([here.context.close(), elsewhere.context.close()]);
});

test('the sessions list logs out another device at once', async ({ browser }) => {
  const here = await newPerson(browser, 'ss');
  const elsewhere = await logIn(browser, here.name);
  await here.page.goto('/account');
  await hydrated(here.page);
  const rows = here.page.locator('.session-row');
  await expect(rows).toHaveCount(2);
  await expect(here.page.locator('.session-row.current')).toContainText('This device');
  await expect(rows.first()).toContainText('127.0.0.1');

  await here.page.locator('.session-row:not(.current)').getByRole('button', { name: /^Log out/ }).click();
  await expect(here.page.getByText('Logged out.')).toBeVisible();
  await expect(rows).toHaveCount(1);
  await elsewhere.page.waitForURL((url) => url.pathname === '/login', { timeout: 15_000 });
  expect((await here.page.request.get('/api/me')).status()).toBe(200);
  await Promise.all([here.context.close(), elsewhere.context.close()]);
});

test('an admin reset link sets a new password once and logs the old sessions out', async ({ browser }) => {
  const bob = await newPerson(browser, 'forgot');
  const admin = await logIn(browser, ADMIN);
  await admin.page.goto('/admin');
  await hydrated(admin.page);
  const row = admin.page.getByRole('row').filter({ hasText: bob.name });
  await row.getByRole('button', { name: 'Reset password' }).click();
  await expect(row.getByText(/Reset link made/)).toBeVisible();
  const url = await row.getByLabel(`Password reset link for ${bob.name}`).inputValue();
  expect(url).toMatch(/\/reset\?token=[0-9a-f]{64}$/);

  // Opened in a browser with no session: whose it is, then the new password.
  const fresh = await browser.newContext();
  const page = await fresh.newPage();
  await page.goto(url);
  await hydrated(page);
  await expect(page.getByText(`For the account ${bob.name}.`, { exact: false })).toBeVisible();
  const password = `reset ${PASSWORD} ${Date.now().toString(36)}`;
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(`${password}?`);
  await page.getByRole('button', { name: 'Set password and log in' }).click();
  await expect(page.getByText('The two passwords differ.')).toBeVisible();
  await page.getByLabel('Password again').fill(password);
  await page.getByRole('button', { name: 'Set password and log in' }).click();
  await page.waitForURL((u) => u.pathname === '/');
  await expect(page.getByRole('status')).toHaveText('Connected', { timeout: 20_000 });
  // Bob's earlier page is logged out; the old password is gone.
  await bob.page.waitForURL((u) => u.pathname === '/login', { timeout: 15_000 });
  const old = await fresh.request.post('/api/auth/login', { data: { username: bob.name, password: PASSWORD } });
  expect(old.status()).toBe(401);

  // Once only.
  const again = await browser.newContext();
  const second = await again.newPage();
  await second.goto(url);
  await hydrated(second);
  await expect(second.getByText(/This link no longer works/)).toBeVisible();
  await expect(second.getByRole('button', { name: 'Set password and log in' })).toBeHidden();
  await Promise.all([bob.context.close(), admin.context.close(), fresh.close(), again.close()]);
});
