// foxden-test-needs: chromium
/**
 * `foxden report` on the demo run, opened in headless Chromium (Debian's
 * /usr/bin/chromium through playwright-core): every chart is there and has
 * marks, the page logs no console error and makes no network request, the
 * funnel and drop tables carry summary.json's numbers, a drop reason's SQL
 * lists exactly the documents counted, and the extraction table counts what
 * the documents' meta says. A full-page screenshot is left in
 * test-artifacts/report.png (git-ignored) for a person to look at.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { REPO_ROOT, demoFixture, referenceRun, runFoxden, scratchDir } from './fixtures.js';
import { readSummary } from './run-dir.js';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const ARTIFACTS = join(REPO_ROOT, 'test-artifacts');

/** The charts the demo run has data for (it has a curriculum, a classifier and near-dedup; no training run). */
const DEMO_CHARTS = [
  'funnel-documents', 'funnel-bytes', 'drops', 'languages', 'quality', 'clusters', 'lengths', 'source-tokens',
  'lengths-by-stage', 'stage-tokens', 'budget', 'packing', 'step-seconds',
];

const digits = (text: string) => Number(text.replace(/[^0-9.-]/g, ''));

test('the demo run\'s report opens offline in Chromium with every chart drawn and the funnel of summary.json', { timeout: 10 * 60_000 }, async () => {
  const fixture = await demoFixture();
  const runDir = await referenceRun(fixture.pipelineFile);
  // foxden run wrote the report at the end of the run and printed its path.
  assert.ok(existsSync(join(runDir, 'report.html')), 'foxden run wrote no report.html');
  assert.match(await readFile(join(runDir, '..', 'run.log'), 'utf8'), /report:\s+\S+report\.html/);

  const dir = await scratchDir('report');
  const out = join(dir, 'report.html');
  const made = await runFoxden(['report', runDir, '--out', out]);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /report: \S+report\.html \([\d.]+ MB, 13 charts/);
  const html = await readFile(out, 'utf8');
  assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|@import|url\(\s*['"]?https?:|https?:\/\/[^"'\s<]*\.(?:js|css|woff2?|ttf)/i, 'the page refers to something outside itself');

  const summary = await readSummary(runDir);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    const pageUrl = pathToFileURL(out).href;
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (r) => {
      if (r.url() !== pageUrl) requests.push(r.url());
    });
    await page.route('**/*', (route) => (route.request().url() === pageUrl ? route.continue() : route.abort()));
    await page.goto(pageUrl, { waitUntil: 'load' });

    // Every chart: a figure with an SVG of real size whose data marks draw something.
    const charts = await page.$$eval('figure.chart', (figures) => figures.map((f) => {
      const svg = f.querySelector('svg');
      const box = svg?.getBoundingClientRect();
      const marks = svg ? [...svg.querySelectorAll('g.role-mark path, g.role-mark line, g.role-mark rect')]
        .filter((m) => m.tagName !== 'path' || (m.getAttribute('d') ?? '').length > 2).length : 0;
      return { id: f.getAttribute('data-chart'), width: box?.width ?? 0, height: box?.height ?? 0, marks, caption: f.querySelector('figcaption')?.textContent ?? '' };
    }));
    assert.deepEqual(charts.map((c) => c.id).sort(), [...DEMO_CHARTS].sort());
    for (const c of charts) {
      assert.ok(c.width > 100 && c.height > 50, `chart ${c.id} is ${c.width}x${c.height}`);
      assert.ok(c.marks > 0, `chart ${c.id} draws no marks`);
      assert.ok(c.caption.length > 5, `chart ${c.id} has no caption`);
    }

    // The funnel table is summary.json's funnel, cell for cell.
    const funnel = await page.$$eval('#funnel-table tbody tr', (rows) => rows.map((r) => ({
      step: r.getAttribute('data-step'),
      attrs: [r.getAttribute('data-in'), r.getAttribute('data-out'), r.getAttribute('data-dropped'), r.getAttribute('data-bytes-in'), r.getAttribute('data-bytes-out')].map(Number),
      cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? ''),
    })));
    assert.deepEqual(funnel.map((f) => f.step), summary.steps.map((s) => s.step));
    for (const [i, s] of summary.steps.entries()) {
      const row = funnel[i]!;
      assert.deepEqual(row.attrs, [s.documents_in, s.documents_out, s.documents_in - s.documents_out, s.bytes_in, s.bytes_out], `funnel row ${s.step}`);
      assert.deepEqual(row.cells.slice(2, 6).map(digits), [s.tasks, s.documents_in, s.documents_out, s.documents_in - s.documents_out], `funnel cells of ${s.step}`);
      assert.equal(digits(row.cells[6]!), Number((s.bytes_in / 1e6).toFixed(2)));
    }
    const headline = await page.textContent('#funnel > p');
    assert.match(headline ?? '', new RegExp(`${summary.documents_in.toLocaleString('en-US')} documents in, ${summary.documents_out.toLocaleString('en-US')} out`));

    // Drops per reason: summary.json's counts, the drop records agree, and each reason opens its SQL.
    const drops = await page.$$eval('#drops-table tbody tr', (rows) => rows.map((r) => ({
      step: r.getAttribute('data-step'), reason: r.getAttribute('data-reason'), n: Number(r.getAttribute('data-n')),
      cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? ''),
    })));
    const expected = summary.steps.flatMap((s) => Object.entries(s.dropped).filter(([, n]) => n > 0).map(([reason, n]) => `${s.step}/${reason}=${n}`)).sort();
    assert.deepEqual(drops.map((d) => `${d.step}/${d.reason}=${d.n}`).sort(), expected);
    for (const d of drops) assert.equal(digits(d.cells[3]!), d.n, `drop records of ${d.step}/${d.reason}`);
    const pick = drops.find((d) => d.reason === 'near-duplicate') ?? drops[0]!;
    const details = page.locator('#drops-table details', { hasText: pick.reason }).first();
    await details.locator('summary').click();
    const sql = (await details.locator('pre.sql').textContent()) ?? '';
    assert.ok(await details.locator('pre.sql').isVisible(), 'the SQL does not show when the reason is clicked');
    const listed = await runFoxden(['sql', runDir, sql, '--format', 'json']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, pick.n, `the SQL of ${pick.step}/${pick.reason} lists what the funnel counts`);

    // A click on a bar of the drops chart opens the reason's SQL too (the bars link to it).
    await page.locator('#drops-table details[open]').evaluate((d) => {
      (d as unknown as { open: boolean }).open = false;
    });
    const link = page.locator('figure[data-chart="drops"] svg a').first();
    const href = await link.getAttribute('xlink:href') ?? await link.getAttribute('href');
    assert.ok(href?.startsWith('#drop-'), `drops chart bars link to ${href}`);
    await page.evaluate(`location.hash = ${JSON.stringify(href)}`);
    await page.waitForFunction(`document.getElementById(${JSON.stringify(href!.slice(1))})?.open === true`);

    // Extraction methods: what ingest wrote per method is what its documents' meta says, and what
    // was kept is what the docs view's extraction column counts.
    const sqlCounts = async (query: string): Promise<Record<string, number>> => {
      const result = await runFoxden(['sql', runDir, query, '--format', 'json']);
      assert.equal(result.code, 0, result.stderr);
      return Object.fromEntries((JSON.parse(result.stdout) as { method: string; n: number | string }[]).map((r) => [r.method, Number(r.n)]));
    };
    const written = await sqlCounts(`SELECT json_extract_string(meta, '$.extraction') AS method, count(*) AS n FROM foxden_shards('documents') WHERE _step = 'ingest' AND method IS NOT NULL GROUP BY 1`);
    const kept = await sqlCounts(`SELECT extraction AS method, count(*) AS n FROM docs WHERE extraction IS NOT NULL GROUP BY 1`);
    const methods = await page.$$eval('#extraction-table tbody tr', (rows) => rows.map((r) => ({
      method: r.getAttribute('data-method')!, ingested: Number(r.getAttribute('data-ingested')), kept: Number(r.getAttribute('data-kept')),
      cells: [...r.querySelectorAll('td')].map((td) => td.textContent ?? ''),
    })));
    assert.ok(Object.keys(written).length >= 2, `the demo's pages took ${JSON.stringify(written)}`);
    assert.deepEqual(Object.fromEntries(methods.map((m) => [m.method, m.ingested])), written, 'pages written per method');
    assert.deepEqual(Object.fromEntries(methods.filter((m) => m.kept > 0).map((m) => [m.method, m.kept])), kept, 'pages kept per method');
    for (const m of methods) assert.deepEqual([digits(m.cells[2]!), digits(m.cells[3]!)], [m.ingested, m.kept], `extraction cells of ${m.method}`);

    // Stages: the curriculum manifest's numbers.
    const curriculum = JSON.parse(await readFile(join(runDir, 'curriculum.json'), 'utf8')) as { stages: { name: string; sequences: number; budget_met: boolean }[] };
    const stageRows = await page.$$eval('#stages-table tbody tr', (rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.textContent ?? '')));
    assert.deepEqual(stageRows.map((r) => [r[1], digits(r[5]!), r[14]]), curriculum.stages.map((s) => [s.name, s.sequences, s.budget_met ? 'met' : 'NOT met']));

    await mkdir(ARTIFACTS, { recursive: true });
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
    assert.deepEqual(errors, [], 'console errors');
    assert.deepEqual(requests, [], 'network requests');
  } finally {
    await browser.close();
  }
  await rm(dir, { recursive: true, force: true });
});
