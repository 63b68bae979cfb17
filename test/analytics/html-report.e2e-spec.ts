import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sampleComparison } from './model-comparison.fixture';
import { runCli as cli, writeGeneratedHistory } from '../support/cli';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) console.warn(`html report browser test skipped: ${CHROMIUM} is missing (Debian package chromium; .ci/run installs it)`);
const inBrowser = hasChromium ? it : it.skip;

describe('lead-engine report --html', () => {
  let dir: string;
  let env: Record<string, string>;
  beforeAll(async () => {
    ({ dir, env } = await writeGeneratedHistory('lead-engine-report-', { leads: 400, seed: 23, start: '2025-01-01', days: 180 }));
    writeFileSync(join(dir, 'cmp.json'), JSON.stringify(sampleComparison()));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  inBrowser(
    'opens offline in headless Chromium: every chart drew and the page made no network request',
    async () => {
      const out = join(dir, 'report.html');
      await cli(
        ['report', '--html', out, '--backtest', join(dir, 'cmp.json'), '--definition', 'libs/analytics/funnels/fast-sales.yaml'],
        env,
      );
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        const url = pathToFileURL(out).href;
        const requests: string[] = [];
        const errors: string[] = [];
        page.on('request', (r) => {
          if (r.url() !== url) requests.push(r.url());
        });
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(url, { waitUntil: 'load' });
        // A string, evaluated in the page: the test itself compiles without the DOM's types.
        const canvases = (await page.evaluate(`[...document.querySelectorAll('canvas')].map((c) => {
          const { data } = c.getContext('2d').getImageData(0, 0, c.width, c.height);
          let painted = 0;
          for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) painted++;
          return { id: c.id, painted };
        })`)) as Array<{ id: string; painted: number }>;
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        // Funnel, trend, three step histograms, drop-off, reasons, breakdown; ROC, calibration, lift, workload.
        expect(canvases.map((c) => c.id)).toEqual([
          'funnel',
          'trend',
          'time-1',
          'time-2',
          'time-3',
          'dropoff',
          'reasons',
          'breakdown',
          'roc',
          'calibration',
          'lift',
          'workload',
        ]);
        expect(canvases.filter((c) => c.painted < 1000)).toEqual([]);
        const text = await page.textContent('body');
        expect(text).toContain('Backtest: champion and challenger');
        expect(text).toContain('Breakdown by channel');
      } finally {
        await browser.close();
      }
    },
    120_000,
  );

  it('refuses a comparison file that is not one, naming what is wrong, and writes nothing', async () => {
    const bad = sampleComparison() as unknown as { models: Array<Record<string, unknown>> };
    bad.models[1].rocAuc = 1.4;
    bad.models[0].liftByDecile = [1, 2];
    writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
    const out = join(dir, 'never.html');
    const error = (await cli(['report', '--html', out, '--backtest', join(dir, 'bad.json')], env).catch((e: unknown) => e)) as {
      code: number;
      stderr: string;
    };
    expect(error.code).toBe(1);
    expect(error.stderr).toContain('models[0].liftByDecile: expected a list of 10, got "2 items"');
    expect(error.stderr).toContain('models[1].rocAuc: expected a number from 0 to 1, got 1.4');
    expect(existsSync(out)).toBe(false);
  }, 60_000);
});
