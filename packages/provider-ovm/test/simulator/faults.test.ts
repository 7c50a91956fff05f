import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { OvmManagerSimulator } from '../../src/simulator/index.js';
import { basic, rawCall, startTestSimulator } from './helpers.js';

let sim: OvmManagerSimulator;
let stop: () => Promise<void>;

beforeAll(async () => {
  ({ sim, stop } = await startTestSimulator());
});
afterEach(() => {
  sim.clearFaults();
});
afterAll(async () => {
  await stop();
});

const version = (): ReturnType<typeof rawCall> =>
  rawCall(sim.url, 'ServerPoolService', 'getAgentVersion', '<types:serverId>1</types:serverId>');
const pools = (): ReturnType<typeof rawCall> => rawCall(sim.url, 'ServerPoolService', 'getAllServerPools');

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

describe('fault injection', () => {
  it('delays one request of the named operation', async () => {
    sim.injectFault({ operation: 'getAllServerPools', kind: 'latency', ms: 400 });
    const [other, otherMs] = await timed(version);
    expect(other.status).toBe(200);
    expect(otherMs).toBeLessThan(350);
    const [slow, slowMs] = await timed(pools);
    expect(slow.status).toBe(200);
    expect(slowMs).toBeGreaterThanOrEqual(390);
    const [, againMs] = await timed(pools);
    expect(againMs).toBeLessThan(350);
  });

  it('answers HTTP 500 without a SOAP body for one operation, `times` times', async () => {
    sim.injectFault({ operation: 'getAgentVersion', kind: 'http500', times: 2 });
    expect((await pools()).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const failed = await version();
      expect(failed.status).toBe(500);
      expect(failed.contentType).toContain('text/plain');
      expect(failed.text).not.toContain('Envelope');
    }
    const ok = await version();
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('2.2-simulated');
  });

  it('drops the connection without an answer', async () => {
    sim.injectFault({ kind: 'drop' });
    await expect(pools()).rejects.toThrow();
    expect((await pools()).status).toBe(200);
  });

  it('clearFaults disarms everything', async () => {
    sim.injectFault({ kind: 'http500', times: 5 });
    sim.clearFaults();
    expect((await pools()).status).toBe(200);
  });

  it('is driven over HTTP at /sim/faults (with Basic auth)', async () => {
    const post = (body: string, auth: string | null = basic()): Promise<Response> =>
      fetch(`${sim.url}/sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(auth === null ? {} : { authorization: auth }) },
        body,
      });
    expect((await post('{"kind":"http500"}', null)).status).toBe(401);
    expect((await post('{"kind":"explode"}')).status).toBe(400);
    expect((await post('not json')).status).toBe(400);
    expect((await post('{"kind":"http500","times":0}')).status).toBe(400);

    expect((await post('{"kind":"http500","operation":"getAllServerPools","times":3}')).status).toBe(204);
    expect((await pools()).status).toBe(500);
    const cleared = await fetch(`${sim.url}/sim/faults`, {
      method: 'DELETE',
      headers: { authorization: basic() },
    });
    expect(cleared.status).toBe(204);
    expect((await pools()).status).toBe(200);
  });
});
