import { expect, test, type Page } from '@playwright/test';

/** The demo pipeline the app creates and deploys on first start; its dashboard updates live. */

const demoName = 'Site analytics';

async function openDemoDashboard(page: Page) {
  await page.goto('/');
  const row = page.locator(`[data-testid="pipeline-row"][data-pipeline-name="${demoName}"]`).first();
  await expect(row).toBeVisible({ timeout: 30_000 });
  await row.getByTestId('open-dashboard').click();
  await page.waitForURL(/\/pipelines\/[^/]+\/dashboard$/);
  await expect(page.getByTestId('dashboard')).toBeVisible();
}

const totalVisits = async (page: Page) => Number((await page.getByTestId('kpi-total-value').getAttribute('data-value')) || 'NaN');

test('the dashboard of the running demo shows visits rising without a reload', async ({ page }, testInfo) => {
  test.setTimeout(150_000);
  await openDemoDashboard(page);

  // A marker on the window survives only if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { __weirNoReload: boolean }).__weirNoReload = true));
  let navigations = 0;
  page.on('framenavigated', (frame) => frame === page.mainFrame() && navigations++);

  await expect(page.getByTestId('live-indicator')).toHaveClass(/\bon\b/, { timeout: 30_000 });
  await expect.poll(() => totalVisits(page), { timeout: 90_000, intervals: [1000] }).toBeGreaterThan(0);
  const first = await totalVisits(page);
  const firstText = await page.getByTestId('kpi-total-value').innerText();
  await expect(page.getByTestId('chart-geo').locator('canvas')).toHaveCount(1);
  await expect(page.getByTestId('chart-visits-over-time').locator('canvas')).toHaveCount(1);
  await page.screenshot({ path: testInfo.outputPath('01-dashboard-first-read.png'), fullPage: true });

  await page.waitForTimeout(5_000);
  await expect.poll(() => totalVisits(page), { timeout: 45_000, intervals: [1000] }).toBeGreaterThan(first);
  expect(await page.getByTestId('kpi-total-value').innerText()).not.toBe(firstText);
  await expect(page.getByTestId('last-update')).not.toBeEmpty();
  await page.screenshot({ path: testInfo.outputPath('02-dashboard-second-read.png'), fullPage: true });

  expect(navigations).toBe(0);
  expect(await page.evaluate(() => (window as unknown as { __weirNoReload?: boolean }).__weirNoReload)).toBe(true);
});

test('the dashboard filters by module and speaks Chinese', async ({ page }, testInfo) => {
  await openDemoDashboard(page);
  await expect.poll(() => totalVisits(page), { timeout: 90_000, intervals: [1000] }).toBeGreaterThan(0);

  // The module filter offers the modules seen in range and applies to the breakdowns.
  const filter = page.getByTestId('module-filter');
  await expect.poll(async () => (await filter.locator('option').count()) > 1, { timeout: 30_000 }).toBe(true);
  const module = await filter.locator('option').nth(1).getAttribute('value');
  const statsCalls: string[] = [];
  page.on('request', (r) => r.url().includes('/stats?') && statsCalls.push(decodeURIComponent(r.url())));
  await filter.selectOption(module!);
  await expect.poll(() => statsCalls.some((u) => u.includes(`filter[module]=${module}`) && u.includes('groupBy=region')), { timeout: 15_000 }).toBe(true);

  // Other geo levels.
  await page.getByTestId('geo-level').getByRole('button').first().click();
  await expect.poll(() => statsCalls.some((u) => u.includes('groupBy=country')), { timeout: 15_000 }).toBe(true);

  await page.getByTestId('locale-toggle').getByRole('button', { name: '中文' }).click();
  await expect(page.getByTestId('kpi-total')).toContainText('访问量');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await page.screenshot({ path: testInfo.outputPath('03-dashboard-zh.png'), fullPage: true });

  // The choice is remembered.
  await page.reload();
  await expect(page.getByTestId('kpi-total')).toContainText('访问量');
  await page.getByTestId('locale-toggle').getByRole('button', { name: 'English' }).click();
  await expect(page.getByTestId('kpi-total')).toContainText('Visits');
});
