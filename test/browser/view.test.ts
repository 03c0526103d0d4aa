/**
 * The viewer in a real browser: Debian's chromium driven by playwright-core
 * (no browser download). Run by `npm run test:browser` (and .ci/run); in a
 * plain `npm test` these are skipped, as chromium may be absent there.
 *
 * PAGESIM_SCREENSHOTS=DIR also writes the screenshots docs/view.md shows
 * (`npm run screenshots` writes them into docs/view/).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { tmpdir } from 'node:os';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { repoRoot } from '../helpers/machine.js';

/** What the checks read of a DOM element inside the page (the Node build has no DOM types). */
interface Dom {
  readonly dataset: Record<string, string | undefined>;
  readonly title: string;
  readonly textContent: string | null;
  toDataURL(): string;
  querySelector(s: string): Dom | null;
  querySelectorAll(s: string): Iterable<Dom>;
}

const CLI = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

/** chromium on PATH (Debian's package), or PAGESIM_CHROMIUM. */
function findChromium(): string | null {
  const env = process.env['PAGESIM_CHROMIUM'];
  if (env !== undefined && env !== '') return env;
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser']) if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

const wanted = process.env['PAGESIM_BROWSER_TESTS'] === '1';
const chromiumPath = wanted ? findChromium() : null;
const skip = !wanted ? 'browser tests run with npm run test:browser' : chromiumPath === null ? 'no chromium on PATH (apt-get install chromium, or set PAGESIM_CHROMIUM)' : false;
if (wanted && chromiumPath === null) throw new Error('npm run test:browser: no chromium on PATH (apt-get install chromium, or set PAGESIM_CHROMIUM)');

const shots = process.env['PAGESIM_SCREENSHOTS'];
const dir = mkdtempSync(join(tmpdir(), 'pagesim-browser-'));
let browser: Browser | null = null;

function pagesim(...args: string[]): void {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: repoRoot });
  assert.equal(r.status, 0, r.stderr);
}

async function open(file: string): Promise<Page> {
  const page = await browser!.newPage({ viewport: { width: 1280, height: 800 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('requestfailed', (r) => errors.push(`request ${r.url()}`));
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('body[data-ready]');
  assert.equal(await page.getAttribute('body', 'data-ready'), 'true', errors.join('\n'));
  assert.deepEqual(errors, []);
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  const file = join(dir, name);
  await page.screenshot({ path: file });
  const png = readFileSync(file);
  assert.ok(png.length > 10_000 && png.subarray(1, 4).toString() === 'PNG', `${name} is a PNG`);
  if (shots !== undefined && shots !== '') {
    mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: join(shots, name) });
  }
}

before(async () => {
  if (skip !== false) return;
  const { chromium } = await import('playwright-core');
  browser = await chromium.launch({ executablePath: chromiumPath!, args: ['--headless', '--no-sandbox'] });
});

after(async () => {
  await browser?.close();
});

const PTDESC_HTML = join(dir, 'ptdesc.html');

test('scenario view: a row per step, clicking a step changes the memmap and the struct page, hover reads a dump', { skip }, async () => {
  pagesim('view', join(repoRoot, 'scenarios', 'ptdesc-pte-free-now.yaml'), '--out', PTDESC_HTML);
  const page = await open(PTDESC_HTML);
  // Steps 0 (before the first) to 9, one row each.
  assert.deepEqual(await page.$$eval('#timeline tr.step', (rows) => rows.map((r) => (r as unknown as Dom).dataset['step'])), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  // The view opens on the BUG's step and page; the first divergence is marked.
  assert.equal(await page.$eval('#timeline tr.selected', (r) => (r as unknown as Dom).dataset['step']), '6');
  assert.equal(await page.$eval('#timeline tr.diverge', (r) => (r as unknown as Dom).dataset['step']), '1');
  assert.match(await page.textContent('#struct-panel h2') ?? '', /pfn 0x2016 after step 6/);
  await screenshot(page, 'scenario.png');

  const mapOf = (): Promise<string> => page.$eval('#memmap', (c) => (c as unknown as Dom).toDataURL());
  const structOf = (): Promise<string> => page.$eval('#struct-panel', (p) => p.textContent ?? '');
  await page.click('#timeline tr[data-step="0"]');
  const map0 = await mapOf();
  const struct0 = await structOf();
  await page.click('#timeline tr[data-step="5"]');
  assert.notEqual(await mapOf(), map0, 'the memmap changed');
  assert.notEqual(await structOf(), struct0, 'the struct page changed');
  assert.match(await page.textContent('#struct-panel h2') ?? '', /after step 5/);

  // Seed 003, read off the grid: under the RFC bytes 16..23 are written by call_rcu with &pte_free_now.
  const written = await page.$$eval('#struct-panel .gridbox', (boxes) =>
    boxes.map((b) => ({
      variant: (b as unknown as Dom).dataset['variant'],
      bytes: [...(b as unknown as Dom).querySelectorAll('.bg-byte.written')].filter((c) => /pte_free_now/.test((c as unknown as Dom).title)).map((c) => Number((c as unknown as Dom).dataset['byte'])),
      title: (b as unknown as Dom).querySelector('.bg-byte[data-byte="16"]')!.title,
    })),
  );
  for (const w of written) {
    if (w.variant === 'ptdesc-memdesc-rfc') {
      assert.deepEqual(w.bytes, [16, 17, 18, 19, 20, 21, 22, 23]);
      assert.match(w.title, /^call_rcu wrote bytes 16\.\.23: ffff88800201009f -> ffffffff8103ae80 \(bytes 16\.\.23: &pte_free_now\)$/);
    } else assert.deepEqual(w.bytes, [], `${w.variant}: no pte_free_now`);
  }
  await page.$eval('#struct-panel .gridbox[data-variant="ptdesc-memdesc-rfc"]', (b) => b.scrollIntoView());
  await screenshot(page, 'struct-page-step5.png');

  // Hover pfn 0x2016 on the map: its dump_page().
  await page.$eval('#memmap', (c) => c.scrollIntoView());
  const box = await page.$eval('#memmap', (c) => {
    const r = c.getBoundingClientRect();
    return { x: r.left, y: r.top, w: r.width };
  });
  const cols = await page.$eval('#map-step', (e) => Number(/(\d+) pfns a row/.exec(e.textContent ?? '')![1]));
  const cell = box.w / cols;
  const pfn = 0x2016;
  await page.mouse.move(box.x + (pfn % cols) * cell + cell / 2, box.y + Math.floor(pfn / cols) * cell + cell / 2);
  assert.match(await page.textContent('#hover-pfn') ?? '', /^pfn 0x2016: table under /);
  assert.match(await page.textContent('#dump') ?? '', /^page: refcount:\d+ mapcount:\d+ mapping:[0-9a-f]+ index:0x[0-9a-f]+ pfn:0x2016\n/);
  assert.match(await page.textContent('#dump') ?? '', /\nraw: [0-9a-f]{16} /);
  await screenshot(page, 'memmap-hover.png');

  // Zoom doubles the cells.
  await page.click('#zoom-in');
  const wider = await page.$eval('#memmap', (c) => c.getBoundingClientRect().width);
  assert.equal(Math.round(wider), Math.round(box.w * 2));
  await page.close();
});

test('scenario view: keyboard moves through the steps', { skip }, async () => {
  const page = await open(PTDESC_HTML);
  const selected = (): Promise<string | undefined> => page.$eval('#timeline tr.selected', (r) => (r as unknown as Dom).dataset['step']);
  await page.keyboard.press('Home');
  assert.equal(await selected(), '0');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('j');
  assert.equal(await selected(), '2');
  await page.keyboard.press('k');
  assert.equal(await selected(), '1');
  await page.keyboard.press('End');
  assert.equal(await selected(), '9');
  assert.equal(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: Dom | null } }).document.activeElement?.dataset['step']), '9', 'the selected row has the focus');
  // Plots of the counters that move.
  const plots = await page.$$eval('#plots .plot', (ps) => ps.map((p) => (p as unknown as Dom).dataset['counter']));
  assert.ok(plots.includes('nr_free_pages') && plots.includes('nr_page_table_pages'), plots.join(', '));
  await page.$eval('#plots', (p) => p.scrollIntoView());
  await screenshot(page, 'counters.png');
  await page.close();
});

test('layout view: struct page under three designs, memdesc.v outlined where mainline has no such field', { skip }, async () => {
  const out = join(dir, 'layout.html');
  pagesim('layout', 'page', '--variant', 'baseline', '--variant', 'ptdesc-memdesc-rfc', '--variant', 'ptdesc-memdesc', '--html', out);
  const page = await open(out);
  const boxes = await page.$$eval('.gridbox', (bs) => bs.map((b) => (b as unknown as Dom).dataset['variant']));
  assert.deepEqual(boxes, ['baseline', 'ptdesc-memdesc-rfc', 'ptdesc-memdesc']);
  // 64 bytes, 8 rows of 8 byte cells each, under every variant.
  assert.deepEqual(await page.$$eval('.gridbox', (bs) => bs.map((b) => [...(b as unknown as Dom).querySelectorAll('.bg-byte:not(.bg-none)')].length)), [64, 64, 64]);
  const outlined = await page.$$eval('.gridbox', (bs) => bs.map((b) => [...(b as unknown as Dom).querySelectorAll('.bg-band.bg-diff')].map((x) => x.dataset['field'])));
  assert.deepEqual(outlined, [[], ['memdesc.v'], ['memdesc.v']]);
  await screenshot(page, 'layout.png');
  await page.close();
});

test('replay view: plots over the trace and the t1 comparison', { skip }, async () => {
  const out = join(dir, 'replay.html');
  pagesim('replay', join(repoRoot, 'data', 'ftrace', 'firecracker-vm-6.18.44-x86_64-2cpu-24GB-thp-32x2MB', 'trace.txt.gz'), '--html', out);
  const page = await open(out);
  assert.deepEqual(await page.$$eval('#plots .plot', (ps) => ps.map((p) => (p as unknown as Dom).dataset['counter'])), ['free blocks per order', 'free pages per migratetype', 'events per second']);
  assert.equal(await page.$$eval('#plots canvas', (cs) => cs.length), 3);
  assert.equal(await page.$$eval('#compare tbody tr', (rs) => rs.length), 11);
  await page.$eval('#plots', (p) => (p as unknown as { scrollIntoView(): void }).scrollIntoView());
  await screenshot(page, 'replay.png');
  await page.close();
});
