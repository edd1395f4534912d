// check --format html and capacity --format html in a real browser (Debian's Chromium, driven
// headless by puppeteer-core): what a reader sees, with and without scripts, and that hostile
// names stay text. One browser for the whole file. Without Chromium the tests skip, except in CI.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { capacity } from '../../src/cloud/capacity.js';
import {
  AgentSchema,
  type CloudSnapshot,
  ComputeServiceSchema,
  NetworkSchema,
  PortSchema,
  ServerSchema,
} from '../../src/cloud/types.js';
import { vfMap } from '../../src/cloud/vf-map.js';
import { readHostFacts } from '../../src/facts/load.js';
import type { FindingsJson } from '../../src/report/findings-json.js';
import { renderCapacityHtml } from '../../src/report/html/capacity-page.js';
import { cli } from '../cli-helpers.js';
import { FIXTURES, REPO } from '../helpers.js';

/** Where the pages and the screenshot go for a human to look at (ignored by git). */
const OUT = join(REPO, 'test-output');
const CHROMIUM = [process.env.OSA_SRIOV_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(
  (p): p is string => !!p && existsSync(p),
);
const NO_BROWSER =
  'no Chromium (/usr/bin/chromium; apt-get install chromium, or set OSA_SRIOV_CHROMIUM): the HTML report is not tested in a browser';
const skip = CHROMIUM ? false : NO_BROWSER;
const T = { timeout: 120_000 };

const BLOG = join(OUT, 'report-blog-lab.html');
const HOSTILE = join(OUT, 'report-hostile.html');
const CAPACITY = join(OUT, 'capacity.html');
let blogJson: FindingsJson;
let browser: Browser | null = null;

/** What the tests read of an element in the page (this project's tsconfig has no DOM types). */
interface Shown {
  hidden: boolean;
  offsetParent: unknown;
  innerText: string;
}

interface Opened {
  page: Page;
  /** Requests other than the page itself (all refused). */
  requests: string[];
  dialogs: string[];
  console: string[];
}

async function open(file: string, js = true): Promise<Opened> {
  const page = await browser!.newPage();
  await page.setViewport({ width: 1300, height: 1000 });
  await page.setJavaScriptEnabled(js);
  const url = pathToFileURL(file).href;
  const opened: Opened = { page, requests: [], dialogs: [], console: [] };
  await page.setRequestInterception(true);
  page.on('request', (r) => {
    if (r.url() === url) void r.continue();
    else {
      opened.requests.push(r.url());
      void r.abort();
    }
  });
  page.on('dialog', (d) => {
    opened.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('console', (m) => opened.console.push(m.text()));
  await page.goto(url, { waitUntil: 'load' });
  return opened;
}

function loadCloud(): CloudSnapshot {
  const raw = JSON.parse(readFileSync(join(FIXTURES, 'cloud/base.json'), 'utf8')) as Record<
    string,
    unknown[]
  >;
  return {
    agents: raw.agents!.map((a) => AgentSchema.parse(a)),
    networks: raw.networks!.map((n) => NetworkSchema.parse(n)),
    ports: raw.ports!.map((p) => PortSchema.parse(p)),
    servers: raw.servers!.map((s) => ServerSchema.parse(s)),
    computeServices: raw.services!.map((s) => ComputeServiceSchema.parse(s)),
  };
}

describe('HTML report in Chromium', { skip }, () => {
  before(async () => {
    mkdirSync(OUT, { recursive: true });
    const lab = ['examples/blog-lab', '--release', 'rocky', '--facts', 'examples/blog-lab/facts'];
    assert.equal(cli('check', ...lab, '--format', 'html', '-o', BLOG).status, 1);
    blogJson = JSON.parse(cli('check', ...lab, '--format', 'json').stdout) as FindingsJson;
    const hostile = join(FIXTURES, 'html-hostile');
    const r = cli(
      'check',
      join(hostile, 'deploy'),
      '--release',
      'rocky',
      '--facts',
      join(hostile, 'facts'),
      '--format',
      'html',
      '-o',
      HOSTILE,
    );
    assert.equal(r.status, 1, r.stderr);
    browser = await puppeteer.launch({
      executablePath: CHROMIUM!,
      headless: true,
      // Root in CI and containers: Chromium's sandbox needs user namespaces it may not have.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
    });
  });
  after(async () => {
    await browser?.close();
  });

  test('the blog lab: its three hosts, computes first, and every finding with its location', T, async () => {
    const { page } = await open(BLOG);
    const hosts = await page.$$eval('section.host h3', (hs) => hs.map((h) => h.firstChild?.textContent));
    assert.deepEqual(hosts, ['hp02-qlogic', 'hp03-2x520', 'infra1']);
    assert.equal(await page.$$eval('table.fleet tbody tr', (rs) => rs.length), 3);
    const sections = await page.$$eval('section.host', (ss) =>
      ss.map((s) => ({
        names: (s.getAttribute('data-host') ?? '').split(' '),
        findings: [...s.querySelectorAll('li.finding')].map((li) => ({
          rule: li.getAttribute('data-rule'),
          severity: li.getAttribute('data-sev'),
          text: li.textContent ?? '',
        })),
      })),
    );
    assert.ok(blogJson.findings.length > 5);
    for (const f of blogJson.findings) {
      const s = sections.find((x) => x.names.includes(f.host!.toLowerCase()));
      assert.ok(s, `a section shows host ${f.host}`);
      const shown = s.findings.filter(
        (x) => x.rule === f.ruleId && x.severity === f.severity && x.text.includes(f.message.slice(0, 60)),
      );
      assert.ok(shown.length > 0, `${f.ruleId} on ${f.host} is shown`);
      if (f.location) {
        const at = `${f.location.file}:${f.location.line}:${f.location.column}`;
        assert.ok(
          shown.some((x) => x.text.includes(at)),
          `${f.ruleId} on ${f.host} shows its location ${at}`,
        );
      }
    }
    assert.equal(
      sections.reduce((n, s) => n + s.findings.length, 0),
      blogJson.findings.length,
    );
    // Rocky has no PciPassthroughFilter: the scheduler finding, on the nova_api container of infra1.
    const infra = sections.find((s) => s.names.includes('infra1'))!;
    assert.ok(
      infra.findings.some(
        (f) => f.rule === 'SRIOV-SCHED-001' && f.text.includes('infra1_nova_api_container'),
      ),
    );
    const header = await page.$eval('header.page', (h) => h.textContent ?? '');
    assert.match(header, /examples\/blog-lab/);
    assert.match(header, /Rocky.*given with --release/);
    assert.match(header, new RegExp(`${blogJson.summary.error} errors`));
    assert.match(header, new RegExp(`${blogJson.summary.warning} warnings`));
    assert.match(header, /osa-sriov \d+\.\d+\.\d+/);
    // The rule's summary and its upstream references, from docs/rules/SRIOV-SCHED-001.md: under
    // the finding, and in the rules part at the bottom.
    const about = await page.$$eval('li.finding[data-rule=SRIOV-SCHED-001] details.about', (ds) =>
      ds.map((d) => d.textContent ?? ''),
    );
    assert.equal(about.length, 1);
    for (const rule of [about[0]!, await page.$eval('#r-SRIOV-SCHED-001', (e) => e.textContent ?? '')]) {
      assert.match(rule, /An instance with an SR-IOV port/);
      assert.match(rule, /pci_passthrough_filter\.py/);
      assert.doesNotMatch(rule, /\.\.\/shared/);
    }
    assert.equal(
      await page.$$eval('section.host li.finding details.about', (ds) => ds.length),
      blogJson.findings.length,
      'every finding has its rule’s summary',
    );
    // The charts: VFs of hp02-qlogic on physnet vlan, and a bar per rule with findings.
    const charts = await page.$$eval('svg.chart', (ss) => ss.map((s) => s.textContent ?? ''));
    assert.ok(charts.some((c) => /hp02-qlogic · vlan/.test(c)));
    assert.ok(charts.some((c) => c.includes('SRIOV-SCHED-001')));
    await page.screenshot({ path: join(OUT, 'report-blog-lab.png'), fullPage: false });
    assert.ok(statSync(join(OUT, 'report-blog-lab.png')).size > 10_000);
    console.log(`screenshot of the blog lab's page: ${join(OUT, 'report-blog-lab.png')}`);
    await page.close();
  });

  test('the severity filter hides info findings; the search finds a host', T, async () => {
    const { page } = await open(BLOG);
    const visible = (sel: string) =>
      page.$$eval(sel, (es) => es.filter((e) => (e as unknown as Shown).offsetParent !== null).length);
    assert.equal(await page.$eval('#filters', (f) => (f as unknown as Shown).hidden), false);
    const infos = blogJson.findings.filter((f) => f.severity === 'info').length;
    assert.ok(infos > 0);
    assert.equal(await visible('li.finding[data-sev=info]'), infos);
    await page.click('input[name=sev][value=info]');
    assert.equal(await visible('li.finding[data-sev=info]'), 0);
    assert.equal(
      await visible('li.finding[data-sev=warning]'),
      blogJson.findings.filter((f) => f.severity === 'warning').length,
    );
    await page.click('input[name=sev][value=info]');
    const shownHosts = () =>
      page.$$eval('section.host', (ss) =>
        ss
          .filter((s) => !(s as unknown as Shown).hidden)
          .map((s) => s.querySelector('h3')?.firstChild?.textContent),
      );
    // The search is over all the text: infra1's scheduler finding names hp03-2x520 as well.
    await page.type('input[name=q]', 'HP03');
    assert.deepEqual(await shownHosts(), ['hp03-2x520', 'infra1']);
    assert.equal(await visible('table.fleet tbody tr'), 1);
    await page.$eval('input[name=q]', (i) => {
      (i as unknown as { value: string }).value = '';
    });
    // The host filter is over the host names (and their containers').
    await page.type('input[name=host]', 'hp03');
    assert.deepEqual(await shownHosts(), ['hp03-2x520']);
    await page.type('input[name=host]', 'x');
    assert.deepEqual(await shownHosts(), []);
    await page.$eval('input[name=host]', (i) => {
      (i as unknown as { value: string }).value = '';
    });
    await page.type('input[name=q]', 'ens1f0');
    assert.deepEqual(await shownHosts(), ['hp03-2x520']);
    await page.$eval('input[name=q]', (i) => {
      (i as unknown as { value: string }).value = '';
    });
    // A rule family narrows the hosts to those with such findings.
    await page.$eval('input[name=q]', (i) => {
      (i as unknown as { value: string }).value = '';
    });
    await page.select('select[name=rule]', 'SCHED');
    assert.equal(await visible('li.finding'), 1);
    // Printing drops the filter bar.
    await page.emulateMediaType('print');
    assert.equal(await visible('#filters'), 0);
    await page.close();
  });

  test('with JavaScript off, everything is there: every host, finding and location', T, async () => {
    const { page } = await open(BLOG, false);
    assert.equal(await page.$eval('#filters', (f) => (f as unknown as Shown).offsetParent === null), true);
    const text = await page.$eval('body', (b) => (b as unknown as Shown).innerText);
    for (const h of ['hp02-qlogic', 'hp03-2x520', 'infra1']) assert.ok(text.includes(h));
    for (const f of blogJson.findings) {
      assert.ok(text.includes(f.message.slice(0, 60)), `${f.ruleId} on ${f.host}`);
      if (f.location) assert.ok(text.includes(`${f.location.file}:${f.location.line}:${f.location.column}`));
    }
    assert.equal(
      await page.$$eval(
        'li.finding',
        (es) => es.filter((e) => (e as unknown as Shown).offsetParent !== null).length,
      ),
      blogJson.findings.length,
    );
    await page.close();
  });

  test('hostile names run no script, load nothing and show as text', T, async () => {
    const { page, requests, dialogs, console: logs } = await open(HOSTILE);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(dialogs, []);
    assert.deepEqual(requests, []);
    assert.deepEqual(
      logs.filter((l) => /Content Security Policy|Refused/.test(l)),
      [],
      'nothing even tried to run or load',
    );
    assert.equal(await page.$$eval('script', (s) => s.length), 1, 'only the page’s own script');
    assert.equal(await page.$$eval('img, iframe, svg svg, [onerror], [onload]', (e) => e.length), 0);
    // Our script ran (under the page's CSP) and the payloads are text where they belong.
    assert.equal(await page.$eval('#filters', (f) => (f as unknown as Shown).hidden), false);
    const hostLinks = await page.$$eval('table.fleet a', (as) => as.map((a) => a.textContent));
    assert.ok(hostLinks.includes('<img src=x onerror=alert(1)>'));
    const cells = await page.$$eval('table.pfs td', (ts) => ts.map((t) => t.textContent));
    assert.ok(cells.includes('<img src=x onerror=alert(4)>'));
    const charts = await page.$$eval('svg.chart text', (ts) => ts.map((t) => t.textContent ?? ''));
    assert.ok(charts.some((t) => t.includes('<svg onload=alert(3)>')));
    const text = await page.$eval('body', (b) => (b as unknown as Shown).innerText);
    assert.ok(text.includes('<script>alert(2)</script>'));
    await page.close();
  });

  test('capacity --format html: VFs per host × physnet, and the server holding one', T, async () => {
    const facts = new Map(
      ['compute1', 'compute2'].map((n) => [
        n,
        readHostFacts(readFileSync(join(FIXTURES, `rules/_base-facts/${n}.json`))),
      ]),
    );
    const cloud = loadCloud();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      CAPACITY,
      renderCapacityHtml(capacity(cloud, facts), vfMap(cloud, facts), {
        deployDir: null,
        release: null,
        cloud: 'fixture',
        generatedAt: new Date(),
      }),
    );
    const { page, requests } = await open(CAPACITY);
    const rows = await page.$$eval('table.capacity tbody tr', (rs) =>
      rs.map((r) => [...r.children].map((c) => (c.textContent ?? '').trim())),
    );
    // test/fixtures/cloud/README.md: vm1 on compute1 holds VF 0 of eth0 (physnet1).
    assert.deepEqual(
      rows.map((r) => [r[0], r[1], r[4], r[5], r[6]]),
      [
        ['compute1', 'physnet1', '3', '1', '2'],
        ['compute1', 'physnet2', '2', '0', '2'],
        ['compute2', 'physnet1', '3', '0', '3'],
      ],
    );
    assert.match(rows[0]![8]!, /^vm1 .*VF 0 0000:01:10\.0/);
    assert.equal(rows[1]![8], '–');
    assert.ok(await page.$('svg.chart'));
    assert.deepEqual(requests, []);
    await page.close();
  });
});

describe('HTML report: a browser to test it with', () => {
  test('CI has Chromium', { skip: process.env.CI ? false : 'not in CI' }, () => {
    assert.ok(CHROMIUM, NO_BROWSER);
  });
  test('without Chromium the browser tests say so', { skip: CHROMIUM ? 'Chromium is here' : false }, (t) => {
    t.diagnostic(NO_BROWSER);
  });
});
