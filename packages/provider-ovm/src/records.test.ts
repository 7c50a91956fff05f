import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type VmRecord, VmRecords } from './records.js';

const logger = { debug() {}, info() {}, warn() {}, error() {} };
const record = (name: string): VmRecord => ({
  name,
  imgId: name.length.toString(),
  template: 'tpl',
  macs: ['00:16:3e:00:00:01'],
  createdAt: '2026-01-01T00:00:00.000Z',
});

describe('VM records', () => {
  it('keep every VM when separate instances (separate ims processes) write different VMs at once', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ims-ovm-records-'));
    try {
      const names = Array.from({ length: 20 }, (_, i) => `vm-${i}`);
      await Promise.all(names.map((name) => new VmRecords(dir, logger).put(record(name))));
      const all = await new VmRecords(dir, logger).all();
      expect([...all.keys()].sort()).toEqual([...names].sort());

      const one = new VmRecords(dir, logger);
      await one.change('vm-3', (r) => {
        r.bootAddresses = { '00:16:3e:00:00:01': { address: '10.0.2.15', prefix: 24 } };
      });
      expect((await one.get('vm-3'))?.bootAddresses).toBeDefined();
      await one.forget('vm-3');
      expect(await one.get('vm-3')).toBeUndefined();
      expect((await one.all()).size).toBe(19);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('ignores an unreadable record instead of failing every listing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ims-ovm-records-'));
    try {
      const records = new VmRecords(dir, logger);
      await records.put(record('good'));
      await writeFile(join(dir, 'ovm-vms', 'broken.json'), '{not json');
      expect([...(await records.all()).keys()]).toEqual(['good']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
