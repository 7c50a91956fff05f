/**
 * `ims template import <url>` against hostile HTTP servers on 127.0.0.1: an endless body, a
 * declared size over the cap, a trickle, a server that never answers, a body shorter than it
 * declares, and Ctrl-C in the middle. Every one ends quickly with a clear error and leaves no
 * download behind; small limits are set through the environment so the tests stay fast.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt, FIXTURE_PLUGINS, IMS_BIN, runIms, tempHome } from './run-ims.js';

beforeAll(assertBuilt);

const home = tempHome();
const env = {
  IMS_HOME: home,
  IMS_PLUGIN_PATH: FIXTURE_PLUGINS,
  IMS_DOWNLOAD_MAX_BYTES: '1M',
  IMS_DOWNLOAD_CONNECT_TIMEOUT: '1',
  IMS_DOWNLOAD_STALL_TIMEOUT: '1',
};
let server: Server;
let base: string;
/** Bytes each route has sent, to show the download stopped reading. */
const sent = new Map<string, number>();

beforeAll(async () => {
  server = createServer((req, res) => {
    // Routed by path; counted by the whole URL, so a run can be told apart by its query.
    const url = req.url ?? '';
    const route = url.split('?')[0];
    const count = (n: number) => sent.set(url, (sent.get(url) ?? 0) + n);
    res.on('error', () => {});
    if (route === '/endless.tgz') {
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024, 1);
      const pump = () => {
        while (!res.destroyed && res.write(chunk)) count(chunk.length);
        if (!res.destroyed) res.once('drain', pump);
      };
      pump();
    } else if (route === '/declared-huge.tgz') {
      res.writeHead(200, { 'content-length': String(10 * 1024 ** 3) });
      res.write(Buffer.alloc(1024));
      count(1024);
    } else if (route === '/trickle.tgz') {
      res.writeHead(200, { 'content-length': '1000000' });
      const timer = setInterval(() => {
        if (res.destroyed) clearInterval(timer);
        else {
          res.write('x');
          count(1);
        }
      }, 100);
      res.on('close', () => clearInterval(timer));
    } else if (route === '/silent.tgz') {
      // Never answers: the request is read and left hanging.
    } else if (route === '/short.tgz') {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(1000));
      setTimeout(() => res.destroy(), 50);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  expect((await runIms(['config', 'create', 'mem', '--provider', 'memory'], env)).code).toBe(0);
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

/** Import downloads still in IMS_HOME/tmp. */
function leftovers(): string[] {
  const tmp = join(home, 'tmp');
  return existsSync(tmp) ? readdirSync(tmp) : [];
}

async function importUrl(path: string, extra: Record<string, string> = {}) {
  const started = Date.now();
  const run = await runIms(['template', 'import', 'mem', `${base}${path}`, '--name', 't'], {
    ...env,
    ...extra,
  });
  return { ...run, seconds: (Date.now() - started) / 1000 };
}

describe('template import from a URL is bounded', () => {
  it('an endless body stops at the size cap', async () => {
    const run = await importUrl('/endless.tgz');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/more than 1048576 bytes arrived, over the limit of 1048576 bytes/);
    expect(run.stderr).toContain('IMS_DOWNLOAD_MAX_BYTES');
    expect(run.seconds).toBeLessThan(15);
    expect(sent.get('/endless.tgz') ?? 0).toBeLessThan(16 * 1024 * 1024);
    expect(leftovers()).toEqual([]);
  });

  it('a declared Content-Length over the cap is refused before the body is read', async () => {
    const run = await importUrl('/declared-huge.tgz');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`it declares ${10 * 1024 ** 3} bytes, over the limit of 1048576 bytes`);
    expect(leftovers()).toEqual([]);
  });

  it('a trickle fails at the stall limit', async () => {
    const run = await importUrl('/trickle.tgz');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/stalled: \d+ bytes in the last 1 s/);
    expect(run.seconds).toBeLessThan(10);
    expect(leftovers()).toEqual([]);
  });

  it('a server that never answers fails at the connect limit', async () => {
    const run = await importUrl('/silent.tgz');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('did not answer within 1 s');
    expect(run.seconds).toBeLessThan(10);
  });

  it('a body shorter than its Content-Length is refused', async () => {
    const run = await importUrl('/short.tgz');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/Could not download|ended after 1000 of the 100000 bytes/);
    expect(run.stderr).not.toMatch(/internal|bug in IMS/i);
    expect(leftovers()).toEqual([]);
  });

  it('a malformed limit in the environment is a usage error naming the variable', async () => {
    const run = await importUrl('/endless.tgz', { IMS_DOWNLOAD_STALL_TIMEOUT: 'soon' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('IMS_DOWNLOAD_STALL_TIMEOUT="soon" is not a number of seconds');
  });

  it('Ctrl-C during a download cancels cleanly, not as an internal error', async () => {
    const child = spawn(
      process.execPath,
      [IMS_BIN, 'template', 'import', 'mem', `${base}/trickle.tgz?run=interrupted`, '--name', 't'],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, IMS_DOWNLOAD_STALL_TIMEOUT: '60' } },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const closed = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    // Once the server has sent a few bytes, the download is under way.
    const deadline = Date.now() + 10_000;
    while ((sent.get('/trickle.tgz?run=interrupted') ?? 0) < 10 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGINT');
    const code = await closed;
    expect(stderr).not.toMatch(/internal error|bug in IMS/i);
    expect(stderr).toMatch(/download of .* was cancelled/);
    expect(code).not.toBe(0);
    expect(leftovers()).toEqual([]);
  });
});
