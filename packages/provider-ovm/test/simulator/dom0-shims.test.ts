import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OvmManagerSimulator } from '../../src/simulator/index.js';
import {
  callResults,
  child,
  echoXml,
  requireCompiledSimulator,
  startTestSimulator,
  textOf,
  waitFor,
  writeTemplate,
} from './helpers.js';

const run = promisify(execFile);
let sim: OvmManagerSimulator;
let root: string;
let stop: () => Promise<void>;
let location: string;

const POOL = '<types:serverPoolName>pool1</types:serverPoolName>';

beforeAll(async () => {
  requireCompiledSimulator();
  ({ sim, root, stop } = await startTestSimulator());
  await writeTemplate(root, 'jeos');
  const tpl = `${POOL}<types:templateName>jeos</types:templateName>`;
  await callResults(sim.url, 'ResourceService', 'registerTemplate', tpl);
  await callResults(sim.url, 'ResourceService', 'approveTemplate', tpl);
  const [created] = await callResults(
    sim.url,
    'LifecycleService',
    'createVmBasedOnTemplate',
    `<types:templateVmConfig><types:serverPool>${POOL}</types:serverPool><types:templateName>jeos</types:templateName>` +
      '<types:vmName>metrics-vm-1</types:vmName></types:templateVmConfig>',
  );
  if (created === undefined) throw new Error('createVmBasedOnTemplate returned no result');
  location = textOf(created, 'location');
  const vm = await waitFor('the VM to be created', async () => {
    const [v] = await callResults(
      sim.url,
      'VirtualMachineService',
      'getVMByName',
      `${POOL}<types:name>metrics-vm-1</types:name>`,
    );
    return v !== undefined && textOf(child(v, 'status'), 'status') === 'POWEREDOFF' ? v : undefined;
  });
  await callResults(sim.url, 'VirtualMachineService', 'powerOn', echoXml({ ...vm, name: 'vm' }));
  await waitFor('the VM to run', async () =>
    sim.vms().find((v) => v.status === 'RUNNING' && v.domId !== null),
  );
});
afterAll(async () => {
  await stop?.();
});

describe('dom0 shims', () => {
  it('writes wrapper scripts marked as simulation only, with the root baked in', async () => {
    const script = await readFile(sim.xmPath, 'utf8');
    expect(script.startsWith('#!/bin/sh\n# SIMULATION ONLY')).toBe(true);
    expect(script).toContain(`'${root}' xm "$@"`);
  });

  it('xm list prints Domain-0 and the running VM in the xm column layout (no environment needed)', async () => {
    const { stdout } = await run(sim.xmPath, ['list'], { env: {} });
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`${'Name'.padEnd(40)}    ID   Mem VCPUs      State   Time(s)`);
    expect(lines[1]).toMatch(/^Domain-0 {32} {5}0 {3}512 {5}2 {5}r----- +\d+\.\d$/);
    const vm = sim.vms()[0];
    expect(lines[2]).toMatch(new RegExp(`^${location} +${vm?.domId} +256 +1 +-b---- +\\d+\\.\\d$`));
    expect(lines[2]?.length).toBe(lines[1]?.length);
    expect(lines[2]?.slice(0, 41)).toBe(`${location.padEnd(40)} `);
    expect(lines).toHaveLength(3);

    const one = await run(sim.xmPath, ['list', location], { env: {} });
    expect(one.stdout.trimEnd().split('\n')).toHaveLength(3);
    await expect(run(sim.xmPath, ['list', 'ghost'], { env: {} })).rejects.toMatchObject({
      code: 1,
      stderr: expect.stringContaining("Domain 'ghost' does not exist"),
    });
  });

  it('xentop -b -i 2 -d 1 prints two iterations; the second has the interval CPU(%)', async () => {
    const { stdout } = await run(sim.xentopPath, ['-b', '-i', '2', '-d', '1'], { env: {} });
    const lines = stdout.trimEnd().split('\n');
    const header =
      '      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS NETS NETTX(k) NETRX(k) VBDS   VBD_OO   VBD_RD   VBD_WR  VBD_RSECT  VBD_WSECT SSID';
    expect(lines.filter((l) => l === header)).toHaveLength(2);
    expect(lines).toHaveLength(6);
    expect(lines[1]?.trimStart().startsWith('Domain-0 -----r')).toBe(true);
    expect(lines[1]).toContain('  no limit       n/a');
    const first = lines[2]?.trim().split(/\s+/) ?? [];
    const second = lines[5]?.trim().split(/\s+/) ?? [];
    // names are cut to 10 characters, as xentop does without -f
    expect(first[0]).toBe(location.slice(0, 10));
    expect(first[1]).toBe('--b---');
    expect(first[3]).toBe('0.0');
    expect(Number(second[3])).toBeGreaterThan(1.5);
    expect(Number(second[3])).toBeLessThan(2.5);
    expect(second[4]).toBe(String(256 * 1024));
    expect(second[8]).toBe('1');
    expect(lines[5]?.length).toBe(header.length);

    const full = await run(sim.xentopPath, ['-b', '-f', '-i', '1'], { env: {} });
    expect(full.stdout.split('\n').some((l) => l.startsWith(`${location} --b---`))).toBe(true);
  });

  it('refuses what it does not simulate', async () => {
    await expect(run(sim.xentopPath, ['-i', '1'], { env: {} })).rejects.toMatchObject({ code: 1 });
    await expect(run(sim.xmPath, ['create', 'vm.cfg'], { env: {} })).rejects.toMatchObject({ code: 1 });
  });
});
