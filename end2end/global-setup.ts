// Waits (up to 60 s) for the server to answer, so the suite can start right
// after the server process does: `cargo leptos end-to-end` does not wait.
import type { FullConfig } from '@playwright/test';

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0]?.use.baseURL ?? 'http://127.0.0.1:3000';
  const deadline = Date.now() + 60_000;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('/login', baseURL));
      if (res.ok) return;
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = String(e);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Server at ${baseURL} did not answer within 60 s (${lastError})`);
}
