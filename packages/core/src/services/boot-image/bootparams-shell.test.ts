import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BootParams } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileValues } from '../../../test/boot-image/hostile-values.js';
import { exampleParams } from '../../../test/boot-image/params.js';
import { SHELLS, valuesSeenByShell } from '../../../test/boot-image/shells.js';
import { tempDir } from '../../../test/boot-image/tools.js';
import {
  BOOTPARAMS_CONF_MAX_BYTES,
  bootParamsEntries,
  parseBootParamsConf,
  renderBootParamsConf,
  shellQuote,
} from './bootparams-conf.js';

const VALUE_COUNT = 1_200;

/** Splits the values into parameter sets whose conf stays under the size limit, each value once. */
function paramSets(values: readonly string[]): BootParams[] {
  const sets: BootParams[] = [];
  let params: Record<string, string> = {};
  let size = 0;
  values.forEach((value, index) => {
    const line = Buffer.byteLength(shellQuote(value)) + 32;
    if (size + line > BOOTPARAMS_CONF_MAX_BYTES - 4_096) {
      sets.push(hostileSet(sets.length, params));
      params = {};
      size = 0;
    }
    params[`value.${String(index).padStart(5, '0')}`] = value;
    size += line;
  });
  sets.push(hostileSet(sets.length, params));
  return sets;
}

function hostileSet(index: number, params: Record<string, string>): BootParams {
  return exampleParams({
    vmName: `${"vm 'one'\n$(id)`x`"}${index}`,
    sshKeys: ["ssh-ed25519 AAAA 'quoted' $(id) `x` \\ 🚀", 'ssh-rsa BBBB'],
    params,
  });
}

describe('bootparams.conf sourced by real shells', () => {
  let work: { dir: string; remove: () => Promise<void> };
  let canary: string;
  let sets: BootParams[];

  beforeAll(async () => {
    work = await tempDir('bootparams-shell');
    canary = join(work.dir, 'canary-must-not-exist');
    const values = hostileValues(VALUE_COUNT, canary);
    expect(values.length).toBeGreaterThanOrEqual(1_000);
    expect(values).toContain('x'.repeat(10_000));
    sets = paramSets(values);
  });
  afterAll(async () => {
    await work.remove();
  });

  it('splits the values into a few sets, all of them hostile and under the limit', () => {
    expect(sets.length).toBeGreaterThan(1);
    const total = sets.reduce((sum, set) => sum + Object.keys(set.params).length, 0);
    expect(total).toBe(VALUE_COUNT);
  });

  it('parses back to exactly the values rendered', () => {
    for (const params of sets) {
      const entries = bootParamsEntries(params);
      expect(parseBootParamsConf(renderBootParamsConf(params))).toEqual(new Map(entries));
      const values = Object.values(params.params);
      expect(entries.slice(-values.length).map(([, value]) => value)).toEqual(values);
    }
  });

  it.each(SHELLS)('$label sees every value exactly and runs none of them', async (shell) => {
    for (const [index, params] of sets.entries()) {
      const conf = join(work.dir, `set-${index}.conf`);
      await writeFile(conf, renderBootParamsConf(params));
      const entries = bootParamsEntries(params);
      const seen = await valuesSeenByShell(
        shell,
        work.dir,
        conf,
        entries.map(([key]) => key),
      );
      expect(seen.length).toBe(entries.length);
      const wrong = entries.findIndex(([, value], at) => seen[at] !== value);
      if (wrong >= 0) {
        const [key, value] = entries[wrong]!;
        expect.fail(
          `${shell.label}: ${key} expected ${JSON.stringify(value)}, got ${JSON.stringify(seen[wrong])}`,
        );
      }
    }
    await expect(access(canary)).rejects.toThrow(/ENOENT/);
  });
});
