import { chromium, type Browser, type Page } from 'playwright-core';
import { findCommand, prerequisite } from '../../../../test-support/prerequisites.js';
import { TOKENS, type RoleName } from './harness.js';

/** Debian's chromium (`.ci/run` installs it); playwright downloads nothing. */
export const chromiumPath = () => findCommand('chromium');
export const chromiumAvailable = () => prerequisite('chromium', chromiumPath() !== null, 'chromium not on PATH (apt-get install chromium)');

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath()!,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'],
  });
}

/** A fresh tab (its own sessionStorage) signed in to the console as `role` through the token form. */
export async function signedInPage(browser: Browser, baseUrl: string, role: RoleName): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  const page = await context.newPage();
  await page.goto(`${baseUrl}/ui/`);
  await page.getByLabel('API token').fill(TOKENS[role]);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByText(`Signed in as ${role}-user`).waitFor();
  return page;
}
