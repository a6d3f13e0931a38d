import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBlastRadius } from '../../src/commands/blast-radius.js';
import type { BlastItem, BlastReport } from '../../src/report/model.js';
import { placeText, recoveryStepReason, renderBlastHtml } from '../../src/report/html/blast.js';
import { renderBlastMarkdown } from '../../src/report/render-markdown.js';
import { generatedReport } from './html-fixture.js';
import { boxesOverlap, boxInside, onBorder, pathPoints, segmentCrossesBox, type Box } from './html-geometry.js';

// The HTML report against the Markdown one and in a real headless browser (Debian's chromium via
// playwright-core, one launch for the file): every credential's facts the Markdown shows (its
// position in the recovery order and the step's reason, evidence, places, kept-in targets, score
// reasons) are in the HTML's DOM; no secret value reaches it; hostile names stay text; and the
// graph of 30 credentials is legible: no overlapping boxes, no edge through a box, no label cut.
const CHROMIUM = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);
if (!hasChromium && process.env.CI) throw new Error('chromium must be installed in CI (apt-get install chromium)');

// The page's DOM, typed only as far as these tests use it inside page.evaluate (the test tsconfig has no DOM lib).
interface DomElement {
  textContent: string | null;
  getAttribute(name: string): string | null;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
  getBBox(): { x: number; y: number; width: number; height: number };
}
declare const document: { body: DomElement; documentElement: { outerHTML: string }; querySelectorAll(selector: string): Iterable<DomElement> };
declare function getComputedStyle(e: unknown): { strokeOpacity: string };

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures');
const HOSTILE = '<script>alert(1)</script>';

/** A PNG's width and height, from its IHDR chunk. */
function pngSize(buf: Buffer): { width: number; height: number } {
  expect(buf.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  return { width: buf.readUInt32BE(16), height: buf.readUInt32BE(20) };
}

/** What the HTML says about each credential, read from the DOM. */
interface HtmlFacts {
  order: { id: string; name: string; provider: string; reason: string }[];
  credentials: Record<
    string,
    { name: string; order: string; evidence: string[]; places: string[]; keptIn: string[]; reasons: string[]; score: string; overbroad: string | null }
  >;
  sources: string[];
  cycles: string[];
}

async function readFacts(page: Page): Promise<HtmlFacts> {
  return page.evaluate(() => {
    const texts = (root: DomElement, sel: string) => [...root.querySelectorAll(sel)].map((e) => e.textContent ?? '');
    const order = [...document.querySelectorAll('#recovery-steps > li')].map((li) => ({
      id: li.getAttribute('data-credential-id') ?? '',
      name: li.querySelector('.step-name')?.textContent ?? '',
      provider: li.querySelector('.step-provider')?.textContent ?? '',
      reason: li.querySelector('.step-reason')?.textContent ?? '',
    }));
    const credentials: HtmlFacts['credentials'] = {};
    for (const a of document.querySelectorAll('article.credential')) {
      credentials[a.getAttribute('data-credential-id') ?? ''] = {
        name: a.querySelector('h3 .name')?.textContent ?? '',
        order: a.querySelector('dd.order')?.textContent ?? '',
        evidence: texts(a, 'ul.evidence > li'),
        places: texts(a, 'ul.places > li'),
        keptIn: texts(a, 'ul.kept-in > li'),
        reasons: texts(a, 'ul.reasons > li'),
        score: [...a.querySelectorAll('dt')].find((dt) => dt.textContent?.startsWith('Score'))?.textContent ?? '',
        overbroad: a.querySelector('dd.overbroad')?.textContent ?? null,
      };
    }
    return { order, credentials, sources: texts(document.body, 'ul.sources > li'), cycles: texts(document.body, '#recovery-order p.cycle') };
  });
}

/** Each credential's facts are in the Markdown (its own lines) and in the HTML (its own elements), the same. */
function expectParity(report: BlastReport, facts: HtmlFacts, markdown: string): void {
  const md = markdown.split('\n');
  const details = (item: BlastItem) => {
    const start = md.findIndex((l) => l.startsWith(`### ${item.names[0] ?? item.id} `));
    expect(start, `Markdown details for ${item.names[0]}`).toBeGreaterThan(0);
    return md.slice(start + 1, start + 8);
  };
  expect(facts.order.map((o) => o.id)).toEqual(report.order);
  expect(Object.keys(facts.credentials).sort()).toEqual(report.items.map((i) => i.id).sort());
  expect(facts.sources).toEqual(report.sources);
  expect(facts.cycles).toEqual(md.filter((l) => l.startsWith('Cycle: ')));
  expect(facts.cycles).toHaveLength(report.cycles.length);
  for (const item of report.items) {
    const name = item.names[0] ?? item.id;
    const html = facts.credentials[item.id]!;
    const position = report.order.indexOf(item.id);
    // Recovery order: the same position and the same reason in both.
    if (position >= 0) {
      const step = facts.order[position]!;
      expect(step).toEqual({ id: item.id, name, provider: item.provider, reason: recoveryStepReason(item) });
      expect(md).toContain(`${position + 1}. ${name} (${item.provider}): ${recoveryStepReason(item)}`);
      expect(html.order).toBe(String(position + 1));
    }
    const lines = details(item);
    expect(html.name).toBe(name);
    expect(html.evidence).toEqual(item.exposedVia);
    expect(lines).toContain(`- Exposed: ${item.exposedVia.join('; ')}`);
    expect(html.places).toEqual(item.places.map(placeText));
    expect(lines).toContain(`- Places: ${item.places.map(placeText).join(', ') || 'none in this project'}`);
    expect(html.keptIn).toEqual(item.targets.map((t) => t.label));
    expect(lines).toContain(`- Kept in: ${item.targets.map((t) => t.label).join(', ') || '-'}`);
    expect(html.reasons).toEqual(item.scoreReasons);
    expect(html.score).toBe(`Score ${item.score}`);
    expect(lines).toContain(`- Score ${item.score}: ${item.scoreReasons.join('; ')}`);
    if (item.overbroad) {
      expect(html.overbroad).toBe(`scopes not used by any consumer: ${item.unusedScopes.join(', ')}`);
      expect(lines).toContain(`- Overbroad: ${html.overbroad}`);
    } else expect(html.overbroad).toBeNull();
  }
}

describe.skipIf(!hasChromium)('blast-radius HTML report: parity, values, escaping and the graph picture', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'credctl-html-report-'));
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
  });

  async function open(html: string, name: string, viewport = { width: 1400, height: 900 }): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, html);
    const page = await browser.newPage({ viewport });
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('dialog', (d) => {
      errors.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    await page.goto(`file://${file}`);
    return { page, requests, errors };
  }

  it('a real leak on a fixture: the HTML holds every fact the Markdown holds, and no secret value', async () => {
    const root = mkdtempSync(join(tmpdir(), 'credctl-html-fx-'));
    cpSync(join(FIXTURES, 'worker-python-k8s'), root, { recursive: true });
    // The canary: a fresh fake key in place of the fixture's, in the leaked file and in the project.
    const canary = `ccx_live_FAKE${randomBytes(14).toString('hex')}`;
    const secretFile = join(root, 'k8s', 'secret.yaml');
    const leaked = readFileSync(secretFile, 'utf8').replace(/ccx_live_FAKE\w+/, canary);
    writeFileSync(secretFile, leaked);
    const values = [
      canary,
      /AWS_SECRET_ACCESS_KEY: (\S+)/.exec(leaked)![1]!,
      Buffer.from(/DATABASE_PASSWORD: (\S+)/.exec(leaked)![1]!, 'base64').toString(),
      /DATABASE_PASSWORD: (\S+)/.exec(leaked)![1]!,
    ];
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: root,
        stdio: 'ignore',
        env: { ...process.env, GIT_AUTHOR_NAME: 'T', GIT_AUTHOR_EMAIL: 't@example.test', GIT_COMMITTER_NAME: 'T', GIT_COMMITTER_EMAIL: 't@example.test' },
      });
    git('init', '-q');
    git('add', '-A');
    git('commit', '-q', '-m', 'import');
    const { report } = await runBlastRadius(root, { leaked: [secretFile], probe: false });
    expect(report.items.length).toBeGreaterThanOrEqual(4);
    expect(report.order.length).toBeGreaterThan(0);
    expect(report.items.some((i) => i.targets.length > 0 && i.places.length > 0 && i.scoreReasons.length > 0)).toBe(true);

    const html = await renderBlastHtml(report);
    const markdown = renderBlastMarkdown(report);
    for (const v of values) {
      expect(html).not.toContain(v);
      expect(markdown).not.toContain(v);
    }
    expect(html).not.toContain(canary.slice(9, 25));

    const { page, requests, errors } = await open(html, 'fixture');
    expect(errors).toEqual([]);
    expect(requests).toHaveLength(1);
    const text = await page.evaluate(() => document.documentElement.outerHTML);
    for (const v of values) expect(text).not.toContain(v);
    expectParity(report, await readFacts(page), markdown);
    await page.close();
  }, 60_000);

  it('hostile names from the repository stay text: no script runs, no element is injected', async () => {
    const { report } = generatedReport(3, (item, n) => {
      if (n !== 0) return;
      item.names = [`${HOSTILE}_KEY`];
      item.places = [{ file: `${HOSTILE}.env`, line: 3 }, { file: '"><img src=x onerror=alert(2)>.env' }];
      item.targets = [{ key: `t-${HOSTILE}`, label: `Vercel env ${HOSTILE}` }];
      item.consumers = [{ id: `c-${HOSTILE}`, kind: 'code', label: `code ${HOSTILE}.js` }];
      item.exposedVia = [`leaked file ${HOSTILE} line 1`];
      item.scoreReasons = [`reason ${HOSTILE}`];
      item.rotation = { strategy: 'manual', note: `javascript:alert(3) ${HOSTILE}` };
      item.redacted = `${HOSTILE}…`;
    });
    report.sources = [`leaked file ${HOSTILE}`];
    const html = await renderBlastHtml(report);
    expect(html).not.toMatch(/<script|<img|onerror=alert\(2\)>/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    const { page, errors } = await open(html, 'hostile');
    expect(errors).toEqual([]);
    expect(await page.locator('script, img, iframe, [onerror]').count()).toBe(0);
    const facts = await readFacts(page);
    const first = facts.credentials[report.items.find((i) => i.names[0]!.startsWith('<'))!.id]!;
    expect(first.places).toContain(`${HOSTILE}.env:3`);
    expect(first.keptIn).toEqual([`Vercel env ${HOSTILE}`]);
    expect(await page.locator('#blast-graph').textContent()).toContain(`${HOSTILE}.env`);
    expectParity(report, facts, renderBlastMarkdown(report).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
    await page.close();
  }, 60_000);

  it('30 credentials: the graph has no overlapping boxes, no edge through a box, no label cut, and the screenshot is a real picture', async () => {
    const { report, longNames } = generatedReport(30);
    const html = await renderBlastHtml(report);
    const { page, errors } = await open(html, 'thirty');
    expect(errors).toEqual([]);
    // Wide enough for the whole picture, so the screenshot below is not clipped by the page.
    const declared = await page.locator('#blast-graph').evaluate((e) => ({ width: Number(e.getAttribute('width')), height: Number(e.getAttribute('height')) }));
    await page.setViewportSize({ width: declared.width + 80, height: 900 });
    expectParity(report, await readFacts(page), renderBlastMarkdown(report));

    interface DomNode {
      key: string;
      rect: Box;
      text: Box;
      label: string;
      title: string;
    }
    const svg = await page.evaluate(() => {
      const bbox = (e: DomElement) => {
        const b = e.getBBox();
        return { x: b.x, y: b.y, width: b.width, height: b.height };
      };
      const nodes = [...document.querySelectorAll('#blast-graph g.node')].map((g) => ({
        key: g.getAttribute('data-key') ?? '',
        rect: bbox(g.querySelector('rect')!),
        text: bbox(g.querySelector('text')!),
        label: [...g.querySelectorAll('text tspan')].map((t) => t.textContent).join(''),
        title: g.querySelector('title')?.textContent ?? '',
      }));
      const edges = [...document.querySelectorAll('#blast-graph path.edge')].map((p) => ({
        from: p.getAttribute('data-from') ?? '',
        to: p.getAttribute('data-to') ?? '',
        d: p.getAttribute('d') ?? '',
      }));
      const headers = [...document.querySelectorAll('#blast-graph text.hdr')].map(bbox);
      return { nodes, edges, headers };
    });
    const nodes: DomNode[] = svg.nodes;
    expect(nodes.filter((n) => n.key.startsWith('c:'))).toHaveLength(30);
    expect(Number(await page.locator('#graph').getAttribute('data-nodes'))).toBe(nodes.length);
    expect(svg.edges.length).toBe(Number(await page.locator('#graph').getAttribute('data-edges')));
    const byKey = new Map(nodes.map((n) => [n.key, n]));

    for (const [i, n] of nodes.entries()) {
      // The label as drawn in this browser's font sits inside its box, and it is the whole label.
      expect(boxInside(n.text, n.rect), `label "${n.title}" fits its box`).toBe(true);
      expect(n.label.replace(/\s/g, '')).toBe(n.title.replace(/\s/g, ''));
      for (const m of nodes.slice(i + 1)) expect(boxesOverlap(n.rect, m.rect), `${n.title} overlaps ${m.title}`).toBe(false);
      for (const h of svg.headers) expect(boxesOverlap(h, n.rect), `a column header overlaps ${n.title}`).toBe(false);
    }
    for (const name of longNames) expect(nodes.some((n) => n.label.includes(name))).toBe(true);
    for (const e of svg.edges) {
      const from = byKey.get(e.from)!;
      const to = byKey.get(e.to)!;
      expect(from && to, `edge ${e.from} → ${e.to} joins two drawn boxes`).toBeTruthy();
      const points = pathPoints(e.d);
      expect(onBorder(points[0]!, from.rect)).toBe(true);
      expect(onBorder(points.at(-1)!, to.rect)).toBe(true);
      for (let k = 1; k < points.length; k++) {
        for (const n of nodes) {
          if (n === from || n === to) continue;
          expect(segmentCrossesBox(points[k - 1]!, points[k]!, n.rect), `edge ${e.from} → ${e.to} crosses ${n.title}`).toBe(false);
          expect(segmentCrossesBox(points[k - 1]!, points[k]!, n.text, 0), `edge ${e.from} → ${e.to} crosses the label ${n.title}`).toBe(false);
        }
      }
    }

    // Pointing at a credential brings out its own edges and fades the others (CSS only, no script).
    const opacity = (sel: string) =>
      page
        .locator(sel)
        .first()
        .evaluate((e) => Number(getComputedStyle(e).strokeOpacity));
    const pointed = await page.locator('#blast-graph g.node.credential').nth(3).getAttribute('id');
    const other = await page.locator('#blast-graph g.node.credential').nth(20).getAttribute('id');
    await page.locator(`#${pointed}`).hover();
    expect(await opacity(`.e-${pointed}`)).toBe(1);
    expect(await opacity(`.e-${other}:not(.e-${pointed})`)).toBeLessThan(0.3);
    await page.mouse.move(0, 0);

    // The screenshot: the whole graph, kept in the temp dir, and far richer than a blank image of its size.
    const graph = page.locator('#blast-graph');
    const shotFile = join(dir, 'graph-30.png');
    const shot = await graph.screenshot({ path: shotFile });
    expect(statSync(shotFile).size).toBe(shot.length);
    const size = pngSize(shot);
    expect(Math.abs(size.width - declared.width)).toBeLessThanOrEqual(2);
    expect(Math.abs(size.height - declared.height)).toBeLessThanOrEqual(2);
    expect(size.height).toBeGreaterThan(30 * 20);
    await page.setContent(`<div style="width:${size.width}px;height:${size.height}px;background:#fff" id="blank"></div>`);
    const blank = await page.locator('#blank').screenshot();
    expect(shot.length).toBeGreaterThan(blank.length * 5);
    await page.close();
  }, 90_000);
});
