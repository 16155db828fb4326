// How every browser test launches Chromium: Debian's, since Playwright's own
// browser downloads are not reachable from our machines. The config uses it,
// and so do specs that launch a browser of their own with extra flags.
export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
