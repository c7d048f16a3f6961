import type { Browser, Page } from 'playwright-core';
import { existsSync, mkdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import { orchestratorRoutes } from '../src/mount.js';
import { buildServer } from '../src/server.js';
import { ApiHarness, deployBody, terraformAvailable } from './support/harness.js';
import { chromiumAvailable, launchChromium, signedInPage } from './support/browser.js';
import { repoRoot } from './support/serve.js';
import { ensureUiBuilt } from './support/ui-build.js';
import { loadConfig } from '../src/config.js';
import { ServiceMetrics } from '../src/metrics.js';

const fixtureFiles = async (): Promise<Record<string, string>> => {
  const dir = join(repoRoot, 'packages/http-adapter/test/fixtures/console');
  const files: Record<string, string> = {};
  for (const f of await readdir(dir)) files[f] = await readFile(join(dir, f), 'utf8');
  return files;
};

/**
 * Screenshots for the README go to docs/screenshots when missing or with UPDATE_SCREENSHOTS=1; otherwise
 * to a temp dir (still taken, so the step runs), keeping the work tree clean on every test run.
 */
const shotsDir = (() => {
  const docs = join(repoRoot, 'docs/screenshots');
  const update = process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(join(docs, 'console-list.png'));
  const dir = update ? docs : join(tmpdir(), 'console-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
})();

const statusOf = (page: Page) => page.getByTestId('status');

describe('the web console at /ui', () => {
  it('is off with ORCHESTRATOR_UI=false (and buildServer({ ui: false }))', async () => {
    expect(loadConfig({ ORCHESTRATOR_UI: 'false' }).ui).toBe(false);
    expect(loadConfig({}).ui).toBe(true);
    // No orchestrator call is made: /ui is answered (or not) before any.
    const app = buildServer({ orchestrator: {} as never, metrics: new ServiceMetrics(), ui: false, logger: false });
    const r = await app.inject({ url: '/ui/' });
    expect(r.statusCode).toBe(404);
    await app.close();
  });

  describe.runIf(terraformAvailable() && chromiumAvailable())('in a real browser against a real service and real terraform', () => {
    const h = new ApiHarness();
    let browser: Browser;
    let uiDir = '';
    beforeAll(async () => {
      uiDir = await ensureUiBuilt();
      await h.start({ ui: { dir: uiDir } });
      browser = await launchChromium();
    }, 180_000);
    afterAll(async () => {
      await browser?.close();
      await h.stop();
    });

    it('serves the built page with a content-security policy and no third-party resources', async () => {
      const bare = await fetch(`${h.url}/ui`, { redirect: 'manual' });
      expect(bare.status).toBe(302);
      expect(bare.headers.get('location')).toBe('/ui/');
      const res = await fetch(`${h.url}/ui/`);
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).not.toMatch(/<script>(?!<\/script>)/);
      const script = /src="(\.\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      expect(script, html).toBeTruthy();
      const js = await fetch(new URL(script!, `${h.url}/ui/`));
      expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    });

    it('works under a mount prefix: assets are relative and the page finds the API beside it', async () => {
      const app = Fastify();
      await app.register(orchestratorRoutes, { orchestrator: h.orchestrator, prefix: '/iac', tokens: [], ui: { dir: uiDir } });
      const bare = await app.inject({ url: '/iac/ui' });
      expect(bare.statusCode).toBe(302);
      expect(bare.headers.location).toBe('/iac/ui/');
      const page = await app.inject({ url: '/iac/ui/' });
      expect(page.statusCode).toBe(200);
      const script = /src="\.\/(assets\/[^"]+\.js)"/.exec(page.body)?.[1];
      expect((await app.inject({ url: `/iac/ui/${script}` })).statusCode).toBe(200);
      await app.close();
    });

    it('lists deployments with filters and follows a deployment live to completed', async () => {
      const files = await fixtureFiles();
      const page = await signedInPage(browser, h.url, 'deployer');
      const cspErrors: string[] = [];
      page.on('console', (m) => m.type() === 'error' && cspErrors.push(m.text()));
      const started = await h.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId: 'console-live', files, options: { autoApprove: true, variables: { name: 'first' } } }) });
      expect(started.status).toBe(202);
      const id = started.body.deploymentId as string;

      await page.getByRole('heading', { name: 'Deployments' }).waitFor();
      const row = page.locator(`tr[data-deployment="${id}"]`);
      await row.waitFor();
      await page.getByLabel('Environment').fill('nowhere');
      await row.waitFor({ state: 'detached' });
      await page.getByLabel('Environment').fill('dev');
      await row.waitFor();
      await row.getByRole('link').click();

      // Seen running, then completed, with the resource lines ticking over.
      await expect.poll(async () => statusOf(page).textContent(), { timeout: 60_000 }).toMatch(/applying|completed/);
      await page.locator('[data-resource="terraform_data.app"]').waitFor({ timeout: 60_000 });
      await statusOf(page).getByText('completed').waitFor({ timeout: 90_000 });
      await expect.poll(() => page.locator('[data-resource="terraform_data.app"] .rstatus').textContent()).toBe('created');
      await page.getByRole('log').getByText(/terraform_data\.app: Creation complete/).first().waitFor();
      const outputs = page.getByRole('heading', { name: 'Outputs' }).locator('xpath=following-sibling::table[1]');
      await expect.poll(() => outputs.textContent()).toContain('app-first');
      expect(await outputs.textContent()).toContain('*** (sensitive)');
      expect(await page.content()).not.toContain('console-default-Secret-9');
      await page.screenshot({ path: join(shotsDir, 'console-deployment-completed.png'), fullPage: true });

      await page.getByRole('link', { name: '← All deployments' }).click();
      await page.locator(`tr[data-deployment="${id}"]`).getByText('completed').waitFor();
      expect(cspErrors.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    }, 180_000);

    it('production: a viewer sees no Approve button; an approver approves after a confirmation naming the environment and counts', async () => {
      const files = await fixtureFiles();
      // A first version (an approver may auto-approve production), then a change that waits for approval.
      const first = await h.call('POST', '/api/deployments', { role: 'approver', body: deployBody({ blueprintId: 'console-prod', environment: 'production', files, options: { autoApprove: true, variables: { name: 'blue' } } }) });
      expect((await h.waitForStatus(first.body.deploymentId, ['completed', 'failed'])).status).toBe('completed');
      const started = await h.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId: 'console-prod', environment: 'production', files, options: { autoApprove: true, variables: { name: 'green' } } }) });
      const id = started.body.deploymentId as string;
      await h.waitForStatus(id, ['awaiting_approval']);

      const viewer = await signedInPage(browser, h.url, 'viewer');
      await viewer.goto(`${h.url}/ui/#/deployments/${id}`);
      await viewer.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
      await viewer.getByText('Your role (viewer) cannot approve').waitFor();
      expect(await viewer.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await viewer.getByRole('button', { name: 'Reject' }).count()).toBe(0);

      const approver = await signedInPage(browser, h.url, 'approver');
      await approver.goto(`${h.url}/ui/#/deployments/${id}`);
      await approver.getByRole('heading', { name: 'Waiting for approval' }).waitFor();
      const diff = approver.getByRole('list', { name: 'Planned changes' });
      await diff.getByText('terraform_data.app').waitFor();
      // The update's changed attribute, before → after.
      await diff.getByText('"net-blue" → "net-green"').waitFor();
      await approver.screenshot({ path: join(shotsDir, 'console-plan-awaiting-approval.png'), fullPage: true });

      // Keyboard only: Tab to Approve, Enter opens the confirmation, Escape closes it without deciding.
      const approve = approver.getByRole('button', { name: 'Approve' });
      for (let i = 0; i < 30 && !(await approve.evaluate((b) => b === b.ownerDocument.activeElement)); i++) await approver.keyboard.press('Tab');
      expect(await approve.evaluate((b) => b === b.ownerDocument.activeElement)).toBe(true);
      await approver.keyboard.press('Enter');
      const dialog = approver.getByRole('dialog', { name: 'Approve and apply to production?' });
      await dialog.waitFor();
      await approver.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      expect((await h.call('GET', `/api/deployments/${id}`)).body.status).toBe('awaiting_approval');

      await approve.click();
      await dialog.waitFor();
      expect(await dialog.getByTestId('confirm-summary').textContent()).toBe('Environment production: Plan: 0 to add, 2 to change, 0 to destroy.');
      await dialog.getByLabel('Comment (optional)').fill('approved in the console');
      await dialog.getByRole('button', { name: 'Approve and apply' }).click();
      await statusOf(approver).getByText('completed').waitFor({ timeout: 90_000 });
      const d = await h.call('GET', `/api/deployments/${id}`);
      expect(d.body.approval).toMatchObject({ decision: 'approved', by: 'approver-user', comment: 'approved in the console' });
    }, 180_000);

    it('an approver rejects another plan from its page', async () => {
      const files = await fixtureFiles();
      const started = await h.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId: 'console-reject', environment: 'prod', files }) });
      const id = started.body.deploymentId as string;
      await h.waitForStatus(id, ['awaiting_approval']);
      const page = await signedInPage(browser, h.url, 'approver');
      await page.goto(`${h.url}/ui/#/deployments/${id}`);
      await page.getByRole('button', { name: 'Reject' }).click();
      const dialog = page.getByRole('dialog', { name: 'Reject the plan for prod?' });
      await dialog.getByLabel('Comment (optional)').fill('not this week');
      await dialog.getByRole('button', { name: 'Reject plan' }).click();
      await statusOf(page).getByText('cancelled').waitFor({ timeout: 60_000 });
      await page.getByText('Plan rejected by approver-user: not this week').first().waitFor();
    }, 120_000);

    it('rolls back from the state history to an earlier version', async () => {
      const files = await fixtureFiles();
      const deploy = async (name: string) => {
        const r = await h.call('POST', '/api/deployments', { role: 'deployer', body: deployBody({ blueprintId: 'console-rb', files, options: { autoApprove: true, variables: { name } } }) });
        return (await h.waitForStatus(r.body.deploymentId, ['completed', 'failed'])) as { id: string; status: string };
      };
      expect((await deploy('one')).status).toBe('completed');
      const second = await deploy('two');
      expect(second.status).toBe('completed');

      const page = await signedInPage(browser, h.url, 'deployer');
      await page.goto(`${h.url}/ui/#/deployments/${second.id}`);
      await page.getByRole('button', { name: 'Roll back to v1' }).click();
      const dialog = page.getByRole('dialog', { name: 'Roll dev back to version 1?' });
      await dialog.getByLabel('Reason (optional)').fill('console rollback');
      await dialog.getByRole('button', { name: 'Roll back to v1' }).click();
      await page.waitForURL((u) => u.hash.startsWith('#/deployments/') && !u.hash.endsWith(second.id));
      await statusOf(page).getByText('completed').waitFor({ timeout: 90_000 });
      await page.getByText('rollback').first().waitFor();
      const outputs = page.getByRole('heading', { name: 'Outputs' }).locator('xpath=following-sibling::table[1]');
      await expect.poll(() => outputs.textContent(), { timeout: 30_000 }).toContain('app-one');

      // The list, now with every outcome of this file's runs.
      await page.getByRole('link', { name: '← All deployments' }).click();
      await page.locator('tr[data-deployment]').nth(2).waitFor();
      const rolledBack = (await h.call('GET', `/api/deployments/${second.id}`)).body.status as string;
      await page.locator(`tr[data-deployment="${second.id}"] .badge`).getByText(rolledBack.replace('_', ' ')).waitFor();
      await page.screenshot({ path: join(shotsDir, 'console-list.png') });
    }, 180_000);
  });
});
