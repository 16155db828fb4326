// Waits (up to 60 s) for the server to answer, so the suite can start right
// after the server process does: `cargo leptos end-to-end` does not wait.
// Then registers the suite's admin (`e2e-admin`) before any spec runs: on the
// fresh database run.sh makes, the first account is the admin, and specs that
// need one (roles, agents for the support desk) log in as it.
import type { FullConfig } from '@playwright/test';
import { ADMIN, PASSWORD } from './tests/helpers';

export default async function globalSetup(config: FullConfig): Promise<void> {
  const baseURL = config.projects[0]?.use.baseURL ?? 'http://127.0.0.1:3000';
  const deadline = Date.now() + 60_000;
  let lastError = 'no answer yet';
  while (Date.now() < deadline) {
    try {
      const res = await fetch(new URL('/login', baseURL));
      if (res.ok) {
        await registerAdmin(baseURL);
        return;
      }
      lastError = `HTTP ${res.status}`;
    } catch (e) {
      lastError = String(e);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Server at ${baseURL} did not answer within 60 s (${lastError})`);
}

/** Registers `e2e-admin`; an existing one (409, a database reused) is fine. */
async function registerAdmin(baseURL: string): Promise<void> {
  const res = await fetch(new URL('/api/auth/register', baseURL), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: ADMIN, password: PASSWORD }),
  });
  if (!res.ok && res.status !== 409) {
    throw new Error(`Could not register ${ADMIN}: HTTP ${res.status} ${await res.text()}`);
  }
}
