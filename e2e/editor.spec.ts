import { expect, test, type Locator, type Page } from '@playwright/test';

/**
 * The editor end to end, as a person uses it: a pipeline from the template, a node dragged from
 * the palette, a legal and an illegal connection, a config edit, save + reload, deploy, live counters.
 */

const edgeTestId = (from: string, fromPort: string, to: string, toPort: string) => `rf__edge-${from}:${fromPort}->${to}:${toPort}`;

async function center(locator: Locator) {
  const box = await locator.boundingBox();
  if (!box) throw new Error('element has no box (not visible?)');
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** HTML5 drag and drop the way the browser does it: one DataTransfer shared by dragstart, dragover and drop. */
async function dragPaletteItemToCanvas(page: Page, type: string, at: { x: number; y: number }) {
  const dataTransfer = await page.evaluateHandle(() => new DataTransfer());
  const canvas = page.getByTestId('canvas');
  await page.getByTestId(`palette-item-${type}`).dispatchEvent('dragstart', { dataTransfer });
  await canvas.dispatchEvent('dragenter', { dataTransfer, clientX: at.x, clientY: at.y });
  await canvas.dispatchEvent('dragover', { dataTransfer, clientX: at.x, clientY: at.y });
  await canvas.dispatchEvent('drop', { dataTransfer, clientX: at.x, clientY: at.y });
  await page.getByTestId(`palette-item-${type}`).dispatchEvent('dragend', { dataTransfer });
}

/** Drags from one port handle to another with the mouse; resolves before releasing so callers can look at the hover state. */
async function dragHandle(page: Page, from: Locator, to: Locator) {
  const a = await center(from);
  const b = await center(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 8 });
  await page.mouse.move(b.x, b.y, { steps: 8 });
  return () => page.mouse.up();
}

const outTotal = async (page: Page, nodeId: string) => Number((await page.getByTestId(`counters-${nodeId}`).getAttribute('data-out')) ?? 'NaN');

test('build on the template in the editor: drop, connect, refuse, configure, save, reload, deploy', async ({ page }, testInfo) => {
  test.setTimeout(180_000);

  // A pipeline of our own from the template, so the running demo the dashboard test watches is left alone.
  await page.goto('/');
  await expect(page.getByTestId('pipelines-page')).toBeVisible();
  await page.getByTestId('new-from-template').first().click();
  await page.waitForURL(/\/pipelines\/[^/]+$/);
  const pipelineUrl = page.url();

  await expect(page.getByTestId('node-parse')).toBeVisible();
  await expect(page.getByTestId('state-badge')).toHaveAttribute('data-state', 'stopped');
  await expect(page.getByTestId('unsaved-indicator')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('01-template-opened.png') });

  // Drop a dead-letter node into the empty area under the graph.
  const canvasBox = (await page.getByTestId('canvas').boundingBox())!;
  await dragPaletteItemToCanvas(page, 'deadletter', { x: canvasBox.x + canvasBox.width * 0.3, y: canvasBox.y + canvasBox.height * 0.82 });
  const dropped = page.getByTestId('node-deadletter');
  await expect(dropped).toBeVisible();
  await expect(dropped).toContainText('Dead letters');
  await expect(dropped).toContainText('deadletter');
  await expect(page.getByTestId('unsaved-indicator')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('02-node-dropped.png') });

  // Legal: the parser's failed records (dead) into the new dead-letter node's input.
  const release = await dragHandle(page, page.getByTestId('handle-parse-out-dead'), page.getByTestId('handle-deadletter-in-in'));
  await release();
  await expect(page.getByTestId(edgeTestId('parse', 'dead', 'deadletter', 'in'))).toHaveCount(1);

  // Illegal: visits (geoip.out) into an input that takes failed records. Refused, with the reason shown.
  const releaseBad = await dragHandle(page, page.getByTestId('handle-geoip-out-out'), page.getByTestId('handle-deadletter-in-in'));
  await expect(page.getByTestId('connection-refusal')).toBeVisible();
  await expect(page.getByTestId('connection-refusal')).toHaveAttribute('data-code', 'incompatible_ports');
  await page.screenshot({ path: testInfo.outputPath('03-connection-refused.png') });
  await releaseBad();
  await expect(page.getByTestId(edgeTestId('geoip', 'out', 'deadletter', 'in'))).toHaveCount(0);

  // Configure the new node in the inspector: an out-of-range value is flagged inline, a good one clears it.
  await dropped.locator('.node-title').click();
  const inspector = page.getByTestId('inspector-deadletter');
  await expect(inspector).toBeVisible();
  const keep = inspector.getByTestId('field-keep').locator('input');
  await keep.fill('0');
  await expect(inspector.getByTestId('field-error-keep')).toBeVisible();
  await keep.fill('250');
  await expect(inspector.getByTestId('field-error-keep')).toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('04-inspector.png') });
  // Field help follows the language: the spec's zh-CN text in 中文, its English description in English.
  const keepHelp = inspector.getByTestId('field-keep').locator('.field-help');
  await expect(keepHelp).toHaveText('How many recent dead letters are kept.');
  await page.getByTestId('locale-toggle').getByRole('button', { name: '中文' }).click();
  await expect(keepHelp).toHaveText('保留最近多少条死信。');
  await page.getByTestId('locale-toggle').getByRole('button', { name: 'English' }).click();
  await expect(keepHelp).toHaveText('How many recent dead letters are kept.');

  // A node added by double-click and removed with the Delete key never reaches the saved document.
  await page.getByTestId('palette-item-topic').dblclick();
  await expect(page.getByTestId('node-topic')).toBeVisible();
  await page.keyboard.press('Delete');
  await expect(page.getByTestId('node-topic')).toHaveCount(0);

  // Save: a new version, nothing left unsaved; the server agrees it is valid.
  await page.getByTestId('save-button').click();
  await expect(page.getByTestId('editor-notice')).toContainText(/v2/);
  await expect(page.getByTestId('editor-version')).toHaveText('v2');
  await expect(page.getByTestId('unsaved-indicator')).toHaveCount(0);
  await page.getByTestId('validate-button').click();
  await expect(page.getByTestId('issues-panel')).toHaveClass(/\bok\b/);

  // Reload: the node, its edge and its setting came back from the server.
  await page.goto(pipelineUrl);
  await expect(page.getByTestId('node-deadletter')).toBeVisible();
  await expect(page.getByTestId(edgeTestId('parse', 'dead', 'deadletter', 'in'))).toHaveCount(1);
  await page.getByTestId('node-deadletter').locator('.node-title').click();
  await expect(page.getByTestId('inspector-deadletter').getByTestId('field-keep').locator('input')).toHaveValue('250');
  await page.screenshot({ path: testInfo.outputPath('05-after-reload.png') });

  // Deploy and watch the counters move on the canvas.
  await page.getByTestId('deploy-button').click();
  await expect(page.getByTestId('state-badge')).toHaveAttribute('data-state', 'running', { timeout: 60_000 });
  await expect(page.getByTestId('counters-generator')).toBeVisible({ timeout: 30_000 });
  await expect.poll(() => outTotal(page, 'parse'), { timeout: 60_000 }).toBeGreaterThan(0);
  const first = { generator: await outTotal(page, 'generator'), parse: await outTotal(page, 'parse') };
  await expect.poll(() => outTotal(page, 'generator'), { timeout: 30_000 }).toBeGreaterThan(first.generator);
  await expect.poll(() => outTotal(page, 'parse'), { timeout: 30_000 }).toBeGreaterThan(first.parse);
  await page.screenshot({ path: testInfo.outputPath('06-deployed-counters.png') });

  // Leave the shared broker quiet for the next tests.
  await page.getByTestId('stop-button').click();
  await expect(page.getByTestId('state-badge')).toHaveAttribute('data-state', 'stopped', { timeout: 30_000 });
});
