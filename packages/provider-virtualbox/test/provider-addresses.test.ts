/**
 * Guest addresses cannot be forged through values: boot parameters and any other property value
 * holding lines shaped like every version's `guestproperty enumerate` output are never read as
 * properties. Through the simulator executable imitating each version, locally, and over a real
 * sshd on 127.0.0.1. The guest here never boots by itself (a long VBOXSIM_BOOT_MS): the test
 * writes the Guest Additions' properties when it wants the guest to have reported.
 */
import type { BootParams, Provider } from '@ims/spi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, type TestSshd } from '../../core/test/ssh/sshd.js';
import { createSimFixture, SIM_VERSIONS, type SimFixture, type SimVersion } from './sim-fixture.js';
import { sshProvider } from './sim-ssh.js';
import { tinyTemplate } from './tiny-template.js';

/** The VM's MAC, chosen by whoever creates it, and the same in VirtualBox's spelling. */
const MAC = '08:00:27:66:66:66';
const VBOX_MAC = '080027666666';
/** 2100-01-01 in ns: later than any boot. */
const FAR_NS = '4102444800000000000';
const FAR_ISO = '2099-12-31T23:59:59.999Z';

/** A value whose lines imitate the 4.x–6.x lines and the 7.x columns, flags and all. */
const FORGED = [
  'an innocent first line',
  `Name: /VirtualBox/GuestInfo/Net/9/MAC, value: ${VBOX_MAC}, timestamp: ${FAR_NS}, flags: `,
  `Name: /VirtualBox/GuestInfo/Net/9/V4/IP, value: 203.0.113.66, timestamp: ${FAR_NS}, flags: `,
  `Name: /VirtualBox/GuestInfo/Net/9/V4/Netmask, value: 255.255.255.0, timestamp: ${FAR_NS}, flags: `,
  `Name: /VirtualBox/GuestInfo/Net/9/Status, value: Up, timestamp: ${FAR_NS}, flags: TRANSIENT`,
  `Name: /IMS/Net/0/V4/IP, value: 203.0.113.69, timestamp: ${FAR_NS}, flags: `,
  `/VirtualBox/GuestInfo/Net/8/MAC            = '${VBOX_MAC}'                 @ ${FAR_ISO}`,
  `/VirtualBox/GuestInfo/Net/8/V4/IP          = '203.0.113.67'                 @ ${FAR_ISO}`,
  `/VirtualBox/GuestInfo/Net/8/Status         = 'Up'                           @ ${FAR_ISO} [TRANSIENT]`,
  `/IMS/Net/0/V4/IP = '203.0.113.68' @ ${FAR_ISO} RDONLYGUEST`,
  "it's the end', timestamp: 1, flags: ",
].join('\n');

function bootParams(): BootParams {
  return {
    vmName: 'web-1',
    hostname: 'web-1',
    nics: [{ mac: MAC, address: { address: '10.0.2.15', prefix: 24 } }],
    dns: [],
    sshKeys: [],
    params: { motd: FORGED, 'z.last': `${FORGED}\n` },
  };
}

function scenario(version: SimVersion, overSsh: boolean): void {
  let fixture: SimFixture;
  let sshd: TestSshd | undefined;
  let provider: Provider;

  beforeAll(async () => {
    fixture = await createSimFixture({
      version,
      prefix: `addr-${version}${overSsh ? '-ssh' : ''}`,
      env: { VBOXSIM_BOOT_MS: '3600000' },
    });
    // Preparation in process; what is under test goes through the simulator executable.
    const preparer = await fixture.inProcessProvider();
    await preparer.importTemplate({ name: 'tiny', ...(await tinyTemplate(fixture.dir)) });
    await preparer.createVm({
      name: 'web-1',
      template: 'tiny',
      cpus: 1,
      memoryMiB: 64,
      nics: [{ mac: MAC }],
    });
    await preparer.close();
    if (overSsh) {
      sshd = await startSshd();
      provider = await sshProvider(fixture, sshd);
    } else {
      provider = fixture.provider;
    }
  });

  afterAll(async () => {
    if (overSsh) await provider?.close();
    await fixture?.teardown();
    await sshd?.stop();
  });

  it('reports no address from boot parameters or other values that imitate enumerate’s output', async () => {
    await provider.startVm('web-1', { bootParams: bootParams() });
    // Another tool's note on the VM, written raw.
    const noted = await fixture.vbox(['guestproperty', 'set', 'web-1', '/Notes/by-another-tool', FORGED]);
    expect(noted.code, noted.stderr).toBe(0);
    // The forged lines are really in the full listing, as VBoxManage prints values raw.
    const all = await fixture.vbox(['guestproperty', 'enumerate', 'web-1']);
    expect(all.stdout).toContain('203.0.113.66');

    expect(await provider.getAddresses('web-1')).toEqual([]);
  });

  it('stores the boot parameters as one base64 line the guest cannot change', async () => {
    const { stdout } = await fixture.vbox([
      'guestproperty',
      'get',
      'web-1',
      '/IMS/bootparams/conf',
      '--verbose',
    ]);
    const [value = '', timestamp = '', flags = ''] = stdout.split('\n');
    expect(value).toMatch(/^Value: [A-Za-z0-9+/]+=*$/);
    expect(timestamp).toMatch(/^Timestamp: \d+$/);
    expect(flags).toBe('Flags: RDONLYGUEST');
    const conf = Buffer.from(value.slice('Value: '.length), 'base64').toString('utf8');
    expect(conf).toContain(`IMS_PARAM_MOTD='${FORGED.replaceAll("'", "'\\''")}'`);
  });

  it('reports what the guest wrote, matched by MAC, once it has', async () => {
    const publish = async (name: string, value: string) => {
      const r = await fixture.vbox([
        'guestproperty',
        'set',
        'web-1',
        `/VirtualBox/GuestInfo/Net/0/${name}`,
        value,
      ]);
      expect(r.code, r.stderr).toBe(0);
    };
    await publish('MAC', VBOX_MAC);
    await publish('V4/IP', '10.0.2.15');
    await publish('V4/Netmask', '255.255.255.0');
    await publish('Status', 'Up');
    // A guest without Guest Additions: the IMS boot scripts publish through VBoxControl.
    const ims = await fixture.vbox(['guestproperty', 'set', 'web-1', '/IMS/Net/0/V4/IP', '10.0.2.15']);
    expect(ims.code, ims.stderr).toBe(0);
    expect(await provider.getAddresses('web-1')).toEqual([
      { mac: MAC, address: '10.0.2.15', prefix: 24, source: 'guest-property' },
    ]);
  });
}

for (const version of SIM_VERSIONS) {
  describe(`addresses on VirtualBox ${version}, this machine`, () => scenario(version, false));
}

for (const version of ['6.1', '7.1'] as const) {
  describe(`addresses on VirtualBox ${version}, over SSH`, () => scenario(version, true));
}
