import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultHostServices } from '@ims/core';
import type { BootParams } from '@ims/spi';
import { afterEach, describe, expect, it } from 'vitest';
import { createVm, makeSim, type SimHarness, waitFor } from './sim-harness.js';

const MAC1 = '080027AABB01';
const MAC2 = '080027AABB02';

function params(): BootParams {
  const colon = (mac: string) => mac.toLowerCase().match(/../g)!.join(':');
  return {
    vmName: 'web-1',
    hostname: 'web-1',
    nics: [
      { mac: colon(MAC1), address: { address: '10.0.2.50', prefix: 24 }, gateway: '10.0.2.2' },
      { mac: colon(MAC2), address: { address: '192.168.56.20', prefix: 24 } },
    ],
    dns: ['10.0.2.3'],
    sshKeys: [],
    params: { motd: "it's $(not) run" },
  };
}

/** `Name: X, value: V, timestamp: T, flags: F` lines → name → {value, timestamp}. */
function parseOldEnumerate(text: string): Map<string, { value: string; timestamp: bigint }> {
  const map = new Map<string, { value: string; timestamp: bigint }>();
  for (const m of text.matchAll(/^Name: (.*), value: (.*), timestamp: (\d+), flags: .*$/gm)) {
    map.set(m[1]!, { value: m[2]!, timestamp: BigInt(m[3]!) });
  }
  return map;
}

async function twoNicVm(sim: SimHarness): Promise<void> {
  await createVm(sim, 'web-1');
  await sim.ok(
    'modifyvm',
    'web-1',
    '--nic1',
    'nat',
    '--macaddress1',
    MAC1.toLowerCase(),
    '--nic2',
    'hostonly',
    '--hostonlyadapter2',
    'vboxnet0',
    '--macaddress2',
    MAC2,
  );
}

async function bootAndRead(
  sim: SimHarness,
): Promise<{ props: Map<string, { value: string; timestamp: bigint }>; startNs: bigint }> {
  const startNs = BigInt(Date.now()) * 1_000_000n;
  await sim.ok('startvm', 'web-1', '--type', 'headless');
  // right after the start nothing is published yet
  expect(await sim.ok('guestproperty', 'get', 'web-1', '/VirtualBox/GuestInfo/Net/Count')).toBe(
    'No value set!\n',
  );
  await waitFor(
    async () =>
      (await sim.ok('guestproperty', 'get', 'web-1', '/VirtualBox/GuestInfo/Net/Count')) === 'Value: 2\n',
  );
  const props = parseOldEnumerate(
    await sim.ok('guestproperty', 'enumerate', 'web-1', '--patterns', '/VirtualBox/GuestInfo/Net/*'),
  );
  return { props, startNs };
}

function expectReversedInterfaces(
  props: Map<string, { value: string; timestamp: bigint }>,
  startNs: bigint,
): void {
  // interface 0 is the NIC in slot 2: the index is not the slot
  expect(props.get('/VirtualBox/GuestInfo/Net/0/MAC')?.value).toBe(MAC2);
  expect(props.get('/VirtualBox/GuestInfo/Net/0/V4/IP')?.value).toBe('192.168.56.20');
  expect(props.get('/VirtualBox/GuestInfo/Net/1/MAC')?.value).toBe(MAC1);
  expect(props.get('/VirtualBox/GuestInfo/Net/1/V4/IP')?.value).toBe('10.0.2.50');
  expect(props.get('/VirtualBox/GuestInfo/Net/1/V4/Netmask')?.value).toBe('255.255.255.0');
  expect(props.get('/VirtualBox/GuestInfo/Net/1/Status')?.value).toBe('Up');
  for (const [name, p] of props) expect(p.timestamp, name).toBeGreaterThanOrEqual(startNs);
}

describe('the simulated guest', () => {
  let sim: SimHarness;
  afterEach(async () => sim.cleanup());

  it('publishes the addresses of a real boot ISO at IDE-1-0, stamped after the start, in reverse slot order', async () => {
    sim = await makeSim('6.1', { VBOXSIM_BOOT_MS: '60' });
    await twoNicVm(sim);
    const builder = defaultHostServices({ home: sim.home }).bootImage;
    const iso = join(sim.home, 'web-1-boot.iso');
    await writeFile(iso, await builder.build(params()));
    await sim.ok(
      'storageattach',
      'web-1',
      '--storagectl',
      'IDE',
      '--port',
      '1',
      '--device',
      '0',
      '--type',
      'dvddrive',
      '--medium',
      iso,
    );
    expect(await sim.ok('showvminfo', 'web-1', '--machinereadable')).toContain(`"IDE-1-0"="${iso}"\n`);
    const { props, startNs } = await bootAndRead(sim);
    expectReversedInterfaces(props, startNs);
  });

  it('reads /IMS/bootparams/conf (base64) when no ISO is attached; a later boot re-stamps the stale values', async () => {
    sim = await makeSim('6.1', { VBOXSIM_BOOT_MS: '60', VBOXSIM_LOCK_LINGER_MS: '0' });
    await twoNicVm(sim);
    const conf = defaultHostServices({ home: sim.home }).bootImage.renderConf(params());
    const encoded = Buffer.from(conf, 'utf8').toString('base64');
    await sim.ok('guestproperty', 'set', 'web-1', '/IMS/bootparams/conf', encoded, '--flags', 'RDONLYGUEST');
    const first = await bootAndRead(sim);
    expectReversedInterfaces(first.props, first.startNs);
    await sim.ok('controlvm', 'web-1', 'poweroff');
    const startNs = BigInt(Date.now()) * 1_000_000n;
    await sim.ok('startvm', 'web-1', '--type', 'headless');
    // stale values from the previous run are still there, with their old timestamps
    const stale = parseOldEnumerate(
      await sim.ok('guestproperty', 'enumerate', 'web-1', '--patterns', '/VirtualBox/GuestInfo/Net/0/V4/IP'),
    );
    expect(stale.get('/VirtualBox/GuestInfo/Net/0/V4/IP')!.timestamp).toBeLessThan(startNs);
    await waitFor(async () => {
      const now = parseOldEnumerate(
        await sim.ok(
          'guestproperty',
          'enumerate',
          'web-1',
          '--patterns',
          '/VirtualBox/GuestInfo/Net/0/V4/IP',
        ),
      );
      return (now.get('/VirtualBox/GuestInfo/Net/0/V4/IP')?.timestamp ?? 0n) >= startNs;
    });
  });

  it('without boot parameters every NIC takes a DHCP address from what it is attached to', async () => {
    sim = await makeSim('7.0', { VBOXSIM_BOOT_MS: '20' });
    await createVm(sim, 'plain');
    await sim.ok('startvm', 'plain', '--type', 'headless');
    await waitFor(
      async () =>
        (await sim.ok('guestproperty', 'get', 'plain', '/VirtualBox/GuestInfo/Net/0/V4/IP')) ===
        'Value: 10.0.2.15\n',
    );
    expect(await sim.ok('guestproperty', 'get', 'plain', '/VirtualBox/GuestInfo/Net/Count')).toBe(
      'Value: 1\n',
    );
  });
});
