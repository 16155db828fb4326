// First load (issue 11): what each page downloads before it is interactive,
// measured in a real browser on the release build, with budgets that fail
// the suite when exceeded.
//
// Each page opens in a fresh browser context (an empty cache), and every
// script and WebAssembly file it fetches from /pkg/ is counted: the main
// bundle, the page's own split-off file and the shared files it needs. Sizes
// are gzip (level 9) of what the browser received; time to interactive is
// `performance.now()` when the app marks the body hydrated, on loopback.
//
// Ceilings: what the build measured on 2026-11-30 plus about 8 % (visitor
// page 314 KB, login 266 KB, chat 706 KB, after session 11's cuts); the
// chat's raised to 850 KB on 2026-12-01, when direct messages, the people
// picker and a private room's members list took it to 786 KB, and to
// 900 KB on the next day, when room settings, moderation and the account
// page took it to 864 KB, and to 920 KB in session 16, when profiles (names
// and pictures on every message, the author's card, the same cache in the
// console) took it to 900.4 KB even with the account's forms moved out to a
// group of their own (to be cut back: see docs/performance.md), and to
// 990 KB in session 17, when search (the sidebar's box, the results pane)
// and reactions (chips, the picker) took it to 970.9 KB — with the results
// pane as a lazy part of its own the chat was larger still (956.8 KB for
// search alone) and the login page 75 KB heavier, so it is not one,
// and to 1 060 KB in session 18, when attachments (the upload tray in the
// composer, thumbnails, file cards and the viewer on messages) and read
// receipts took it to 1 040 KB; the visitor page's to 365 KB then (358.0
// KB: its composer and thread got attachments and receipts too). Session 19
// cut them back: AnyView's unused async hydration gone (vendor/tachys) and
// frames read tag-first took the chat to 789 KB, and with threads and pins
// it measured 833.6 KB; the visitor page 343.3 KB, login 251.6 KB. The
// ceilings came down with them (chat 860, visitor 350, login 260 KB),
// so that a change which pulls another page's code into a page, or undoes
// the split, fails here. Session 21 met the login page's target (249.5 KB,
// once the custom sections wasm-split writes into every file are dropped),
// so its ceiling is now the target itself, 250 KB. The others are NOT
// issue 11's targets (visitor page and widget 250 KB, chat 400 KB): those
// are not met yet, and the printed table says by how much (see
// docs/performance.md, "First load").
// The console and admin pages have no ceiling; their figures are printed.
import { test, expect, type Browser, type Response } from '@playwright/test';
import { gzipSync } from 'node:zlib';
import { writeFileSync, mkdirSync } from 'node:fs';
import { ADMIN, PASSWORD } from './helpers';

const KB = 1024;
const WIDGET_HOST = `http://127.0.0.1:${process.env.E2E_WIDGET_PORT ?? '3101'}/widget-host.html`;

interface Load {
  page: string;
  files: { name: string; bytes: number; gzip: number }[];
  gzip: number;
  bytes: number;
  ttiMs: number;
}

/** Opens `path` in a fresh context (logged in as the admin when `login`) and measures its load. */
async function measure(browser: Browser, path: string, login: boolean): Promise<Load> {
  const context = await browser.newContext();
  if (login) {
    const res = await context.request.post('/api/auth/login', { data: { username: ADMIN, password: PASSWORD } });
    expect(res.status(), `log in as ${ADMIN}`).toBe(200);
  }
  const page = await context.newPage();
  // The moment hydration finishes, in the page's own clock (0 = navigation start).
  await page.addInitScript(() => {
    new MutationObserver((_, observer) => {
      if (document.body?.hasAttribute('data-hydrated')) {
        (window as unknown as { __tti: number }).__tti = performance.now();
        observer.disconnect();
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
  });
  const bundles: Promise<{ name: string; bytes: number; gzip: number }>[] = [];
  page.on('response', (response: Response) => {
    const url = new URL(response.url());
    if (url.pathname.startsWith('/pkg/') && /\.(js|wasm)$/.test(url.pathname)) {
      bundles.push(
        response.body().then((body) => ({
          name: url.pathname.slice('/pkg/'.length),
          bytes: body.length,
          gzip: gzipSync(body, { level: 9 }).length,
        })),
      );
    }
  });
  await page.goto(path);
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached', timeout: 30_000 });
  // Files fetched after hydration (none are expected) still count.
  await page.waitForLoadState('networkidle').catch(() => {});
  const ttiMs = await page.evaluate(() => (window as unknown as { __tti: number }).__tti);
  const files = await Promise.all(bundles);
  await context.close();
  return {
    page: path,
    files,
    gzip: files.reduce((sum, f) => sum + f.gzip, 0),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    ttiMs: Math.round(ttiMs),
  };
}

const kb = (n: number) => `${(n / KB).toFixed(1)} KB`;

test('each page downloads only its own group of code, within its ceiling', async ({ browser, request }) => {
  test.setTimeout(180_000);
  // [path, logged in, ceiling, issue 11's target]
  const pages: [string, boolean, number | null, number | null][] = [
    ['/support', false, 350 * KB, 250 * KB],
    [`/support?embed=1&page=${encodeURIComponent(WIDGET_HOST)}`, false, 350 * KB, 250 * KB],
    ['/login', false, 250 * KB, 250 * KB],
    ['/', true, 860 * KB, 400 * KB],
    ['/inbox', true, null, null],
    ['/console', true, null, null],
    ['/admin', true, null, null],
    ['/admin/announcements', true, null, null],
    ['/admin/support', true, null, null],
  ];
  const loads: Load[] = [];
  for (const [path, login] of pages) {
    loads.push(await measure(browser, path, login));
  }

  // The widget's own script, which runs on the embedding site.
  const widget = await (await request.get('/widget.js')).body();
  const widgetGzip = gzipSync(widget, { level: 9 }).length;

  const table = loads
    .map((l, i) => {
      const target = pages[i][3];
      const vsTarget = target === null ? '' : l.gzip <= target ? `  (target ${kb(target)}: met)` : `  (target ${kb(target)}: ${kb(l.gzip - target)} over)`;
      return `${l.page.padEnd(24).slice(0, 24)} ${kb(l.gzip).padStart(10)} gzip ${kb(l.bytes).padStart(10)} raw ${String(l.ttiMs).padStart(5)} ms ${String(l.files.length).padStart(3)} files${vsTarget}`;
    })
    .join('\n');
  console.log(`first load (JS + WASM from /pkg/, fresh cache):\n${table}\nwidget.js ${kb(widgetGzip)} gzip`);
  mkdirSync('test-results', { recursive: true });
  writeFileSync('test-results/first-load.json', JSON.stringify({ loads, widgetGzip }, null, 2));

  for (const [i, [path, , ceiling]] of pages.entries()) {
    const load = loads[i];
    // The main bundle and at least the page's own file: the split is in effect.
    expect(load.files.some((f) => f.name.endsWith('.wasm')), `${path} loads WebAssembly`).toBeTruthy();
    if (ceiling !== null) {
      expect(load.gzip, `${path}: ${kb(load.gzip)} gzip, over its ${kb(ceiling)} ceiling`).toBeLessThanOrEqual(ceiling);
    }
  }
  // The visitor page (and the widget) never fetch the chat's, the console's or the admin's code.
  const chatOnly = new Set(loads[3].files.map((f) => f.name));
  for (const f of loads[0].files) chatOnly.delete(f.name);
  expect(chatOnly.size, 'the chat has files of its own the visitor page does not load').toBeGreaterThan(0);
  // The visitor page and the widget's iframe are hydrated by their own
  // bundle (frontend/visitor), and fetch nothing of the main one.
  for (const visitor of [loads[0], loads[1]]) {
    const names = visitor.files.map((f) => f.name).sort();
    expect(names, `${visitor.page} loads the visitor bundle and nothing else`).toEqual(['visitor.js', 'visitor.wasm']);
  }
  // And the other pages never fetch the visitor bundle.
  for (const other of loads.slice(2)) {
    expect(other.files.some((f) => f.name.startsWith('visitor.')), `${other.page} does not load the visitor bundle`).toBeFalsy();
  }
  expect(widgetGzip, 'widget.js stays tiny').toBeLessThanOrEqual(10 * KB);
});
