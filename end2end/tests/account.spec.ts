// The account page: changing the password asks for the current one, checks
// the new one, and logs out the account's other sessions at once.
import { test, expect } from '@playwright/test';
import { PASSWORD, hydrated, logIn, newPerson } from './helpers';

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
