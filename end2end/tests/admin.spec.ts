// The admin page: roles can be changed by admins, and nobody else gets the table.
// Runs first (file order) so that on a fresh database (run.sh makes one) its
// first account is the admin; on an older database that part is skipped.
import { test, expect } from '@playwright/test';
import { expectConnected, hydrated, newPerson } from './helpers';

test('admins change roles and push announcements; members are turned away', async ({ browser }) => {
  const first = await newPerson(browser, 'adm');
  const member = await newPerson(browser, 'mem');

  // A member sees no table.
  await member.page.goto('/admin');
  await hydrated(member.page);
  await expect(member.page.getByRole('alert')).toHaveText('Only admins can manage users.');
  await expect(member.page.getByRole('table')).toHaveCount(0);

  const role = (await first.page.locator('.account-role').textContent())?.trim();
  test.skip(role !== 'admin', 'the first account of a fresh database is the admin; this database had accounts already');

  await first.page.getByRole('link', { name: 'Admin' }).click();
  await first.page.waitForURL((url) => url.pathname === '/admin');
  const select = first.page.getByRole('combobox', { name: `Role for ${member.name}` });
  await expect(select).toHaveValue('member');
  await select.selectOption('agent');
  await expect(first.page.getByText('Saved: agent')).toBeVisible();

  // It stuck: the member's own page says so after a reload, and so does the table.
  await member.page.goto('/');
  await hydrated(member.page);
  await expect(member.page.locator('.account-role')).toHaveText('agent');
  await first.page.reload();
  await hydrated(first.page);
  await expect(first.page.getByRole('combobox', { name: `Role for ${member.name}` })).toHaveValue('agent');

  // An announcement reaches the member live, renders its Markdown, and stays dismissed.
  await expectConnected(member.page);
  const title = `Maintenance ${Date.now().toString(36)}`;
  const pushed = await first.page.request.post('/api/push', {
    data: { title, body: 'Down at **22:00** tonight.', severity: 'warning', target: { kind: 'all' } },
  });
  expect(pushed.status()).toBe(201);
  const banner = member.page.getByRole('region', { name: 'Announcements' }).getByRole('article').filter({ hasText: title });
  await expect(banner).toBeVisible();
  await expect(banner.locator('strong', { hasText: '22:00' })).toBeVisible();
  await banner.getByRole('button', { name: 'Dismiss announcement' }).click();
  await expect(banner).toHaveCount(0);
  await member.page.reload();
  await hydrated(member.page);
  await expectConnected(member.page);
  await expect(member.page.getByText(title)).toHaveCount(0);

  await first.context.close();
  await member.context.close();
});
