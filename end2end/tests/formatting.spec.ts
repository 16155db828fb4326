// Message formatting: Ann writes with the Markdown subset (checking the
// composer's preview and the Ctrl+B shortcut first); Bob sees bold, italics,
// code, a code block, a quote, a list and a link as elements, live and after
// a reload, while HTML in a body stays text and a `javascript:` link is none.
import { test, expect } from '@playwright/test';
import { composer, createRoom, joinRoom, messages, newPerson } from './helpers';

test('formatted messages render the same for everyone, with a preview while writing', async ({ browser }) => {
  const ann = await newPerson(browser, 'ann');
  const bob = await newPerson(browser, 'bob');
  const room = await createRoom(ann, 'format');
  await joinRoom(bob, room);
  const tag = Date.now().toString(36);

  // The shortcut wraps the selection; the preview shows it formatted.
  const box = composer(ann.page, room);
  await box.click();
  await box.pressSequentially(`loud ${tag}`, { delay: 5 });
  await box.press('ControlOrMeta+a');
  await box.press('ControlOrMeta+b');
  await expect(box).toHaveValue(`**loud ${tag}**`);
  await ann.page.getByTestId('preview-toggle').click();
  const preview = ann.page.getByTestId('composer-preview');
  await expect(preview.locator('strong')).toHaveText(`loud ${tag}`);
  await box.press('Enter');
  await expect(box).toHaveValue('');
  await expect(preview).toContainText('**bold**');
  await expect(messages(bob.page).locator('strong', { hasText: `loud ${tag}` })).toBeVisible();

  const body = [
    `Plan ${tag}: *soon* and ~~never~~, see \`make test\` and [the docs](https://example.com/docs)`,
    '> quoted line',
    '- first',
    '- second',
    '```',
    'let x = a_b * c; <script>alert(1)</script>',
    '```',
    'snake_case_name stays, <b>tags</b> stay text, [bad](javascript:alert(1))',
  ].join('\n');
  await box.fill(body);
  await expect(preview.locator('blockquote')).toHaveText('quoted line');
  await box.press('Enter');
  await expect(box).toHaveValue('');

  for (const page of [bob.page, ann.page]) {
    for (const reload of [false, true]) {
      if (reload) await page.reload();
      const row = messages(page).locator('.message').filter({ hasText: `Plan ${tag}` });
      await expect(row.locator('em')).toHaveText('soon');
      await expect(row.locator('del')).toHaveText('never');
      await expect(row.locator('p code')).toHaveText('make test');
      await expect(row.getByRole('link', { name: 'the docs' })).toHaveAttribute('href', 'https://example.com/docs');
      await expect(row.locator('blockquote')).toHaveText('quoted line');
      await expect(row.locator('ul li')).toHaveText(['first', 'second']);
      await expect(row.locator('pre code')).toHaveText('let x = a_b * c; <script>alert(1)</script>');
      await expect(row).toContainText('snake_case_name stays, <b>tags</b> stay text, [bad](javascript:alert(1))');
      await expect(row.locator('b, script')).toHaveCount(0);
      await expect(row.locator('a[href^="javascript"]')).toHaveCount(0);
    }
  }
  await Promise.all([ann.context.close(), bob.context.close()]);
});
