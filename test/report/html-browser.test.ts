import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderBlastHtml } from '../../src/report/render-html.js';
import { runBlastRadius } from '../../src/commands/blast-radius.js';
import { liveFixture, type LiveFixture } from '../helpers/fixture-project.js';
import { startTestIssuer, type Issuer } from '../helpers/rotation-project.js';

// The HTML report in a real headless browser (Debian's chromium, driven by playwright-core):
// it loads with no network, the summary table and the SVG graph are there and visible, and a
// screenshot of the graph shows real content.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error('chromium must be installed in CI (apt-get install chromium)');

/** Width and height from a PNG's IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

describe.skipIf(!hasChromium)('blast-radius HTML report in a browser', () => {
  let browser: Browser;
  let issuer: Issuer;
  let fx: LiveFixture;
  beforeAll(async () => {
    issuer = await startTestIssuer();
    fx = await liveFixture('webapp-node', issuer, { scopes: ['events:read', 'keys:admin'] });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await fx?.admin.close();
    await issuer?.close();
  });

  it('loads offline and shows the summary table and a visible graph of credentials, places, consumers and targets', async () => {
    const { report } = await runBlastRadius(fx.root, { leaked: [join(fx.root, '.env.production')] });
    const html = await renderBlastHtml(report);
    expect(html).not.toContain(fx.key);
    const dir = mkdtempSync(join(tmpdir(), 'credctl-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);

    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`file://${file}`);
    expect(await page.title()).toBe('credctl blast radius');
    expect(requests).toEqual([`file://${file}`]);
    expect(errors).toEqual([]);

    const rows = await page.locator('#summary-table tbody tr').count();
    expect(rows).toBe(report.items.length);
    await expect(page.locator('#summary-table').textContent()).resolves.toContain('EXAMPLE_API_KEY');

    const graph = page.locator('#blast-graph');
    expect(await graph.isVisible()).toBe(true);
    const box = await graph.boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    const declared = Number(await page.locator('#graph').getAttribute('data-nodes'));
    const nodes = page.locator('#blast-graph g.node');
    expect(await nodes.count()).toBe(declared);
    expect(declared).toBeGreaterThanOrEqual(2 + 1 + 3 + 3);
    for (const b of await nodes.evaluateAll((els) => els.map((e) => ({ width: (e as unknown as { getBBox(): { width: number } }).getBBox().width })))) {
      expect(b.width).toBeGreaterThan(0);
    }
    expect(await page.locator('#blast-graph path.edge').count()).toBe(Number(await page.locator('#graph').getAttribute('data-edges')));
    await expect(page.locator('#blast-graph').textContent()).resolves.toContain('Vercel env EXAMPLE_API_KEY');

    // A screenshot of the graph: a real image, far richer than a blank one of the same size.
    const shot = await graph.screenshot({ path: join(dir, 'graph.png') });
    const size = pngSize(shot);
    expect(size.width).toBeGreaterThan(500);
    await page.setContent(`<div style="width:${size.width}px;height:${size.height}px;background:#fff" id="blank"></div>`);
    const blank = await page.locator('#blank').screenshot();
    expect(shot.length).toBeGreaterThan(blank.length * 5);
    await page.close();
  }, 60_000);
});
