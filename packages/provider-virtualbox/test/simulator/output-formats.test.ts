import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATED_VERSIONS } from '../../src/simulator/index.js';
import { createVm, makeSim, parseMachineReadable, type SimHarness } from './sim-harness.js';

const FULL: Record<string, string> = {
  '4.3': '4.3.40r117311',
  '5.2': '5.2.44r139111',
  '6.1': '6.1.50r161033',
  '7.0': '7.0.18r162988',
  '7.1': '7.1.14r170994',
};
const HOSTILE = `we"ird \\ name $(touch /tmp/x) 'q'\nline2`;

describe.each(SIMULATED_VERSIONS)('VBoxManage %s output', (version) => {
  let sim: SimHarness;
  const seven = version.startsWith('7');
  afterEach(async () => sim.cleanup());

  it('prints its version, with the user WARNING first only on 7.x', async () => {
    sim = await makeSim(version, { VBOXSIM_WARN_USER: '1' });
    const r = await sim.vbox('--version');
    expect(r.exitCode).toBe(0);
    const expected = seven
      ? `WARNING: Environment variable LOGNAME or USER does not correspond to effective user id.\n${FULL[version]}\n`
      : `${FULL[version]}\n`;
    expect(r.stdout).toBe(expected);
    const quiet = await sim.vbox('--version');
    expect(quiet.stdout).toContain(FULL[version]!);
    const plain = await makeSim(version);
    expect((await plain.vbox('-v')).stdout).toBe(`${FULL[version]}\n`);
    await plain.cleanup();
  });

  it('lists VMs as "name" {uuid}, runningvms including paused ones', async () => {
    sim = await makeSim(version);
    await createVm(sim, 'a');
    await createVm(sim, HOSTILE);
    await createVm(sim, 'c');
    const vms = await sim.ok('list', 'vms');
    const lines = vms.match(/^"[\s\S]*?" \{[0-9a-f-]{36}\}$/gm) ?? [];
    expect(lines).toHaveLength(3);
    expect(vms).toContain(`"${HOSTILE}" {`);
    await sim.ok('startvm', 'a', '--type', 'headless');
    await sim.ok('startvm', 'c', '--type', 'headless');
    await sim.ok('controlvm', 'c', 'pause');
    const running = await sim.ok('list', 'runningvms');
    expect(running).toMatch(/^"a" \{[0-9a-f-]{36}\}\n"c" \{[0-9a-f-]{36}\}\n$/);
  });

  it('showvminfo --machinereadable escapes the name and prints the odd lines of this version', async () => {
    sim = await makeSim(version);
    await createVm(sim, HOSTILE);
    await sim.ok(
      'modifyvm',
      HOSTILE,
      '--memory',
      '512',
      '--cpus',
      '2',
      '--nic1',
      'nat',
      '--nictype1',
      'virtio',
      '--macaddress1',
      '080027aabbcc',
    );
    const off = await sim.ok('showvminfo', HOSTILE, '--machinereadable');
    expect(off).toContain(`name="we\\"ird \\\\ name $(touch /tmp/x) 'q'\nline2"\n`);
    expect(off).toContain('memory=512\n');
    expect(off).toContain('cpus=2\n');
    expect(off).toContain('macaddress1="080027AABBCC"\n');
    expect(off).toContain('nictype1="virtio"\n');
    expect(off).toContain('VMState="poweroff"\n');
    expect(off).toMatch(/VMStateChangeTime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}"/);
    expect(off).toContain('"IDE-1-0"="none"\n');
    expect(off.includes('\nEncryption:     disabled\n')).toBe(version === '7.0');
    const parsed = parseMachineReadable(off);
    expect(parsed.get('UUID')).toMatch(/^[0-9a-f-]{36}$/);
    expect(parsed.get('CfgFile')).toMatch(/\.vbox$/);
    await sim.ok('startvm', HOSTILE, '--type', 'headless');
    const on = await sim.ok('showvminfo', HOSTILE, '--machinereadable');
    expect(on).toContain('VMState="running"\n');
    expect(on).toContain(version === '4.3' ? 'VideoMode="720,400,0"\n' : 'VideoMode="720,400,0"@0,0 1\n');
  });

  it('enumerates guest properties in the format of this version', async () => {
    sim = await makeSim(version);
    await createVm(sim, 'vm');
    let r = await sim.ok('guestproperty', 'enumerate', 'vm');
    expect(r).toBe('No properties found.\n');
    await sim.ok('guestproperty', 'set', 'vm', '/IMS/b', 'two-is-longer');
    await sim.ok('guestproperty', 'set', 'vm', '/IMS/a-longer-name', 'one', '--flags', 'TRANSIENT');
    r = await sim.ok('guestproperty', 'enumerate', 'vm');
    if (seven) {
      const lines = r.split('\n').filter(Boolean);
      // name column = longest name (18), line padded to 18 + longest value (13) + 6, at least one space
      expect(lines[0]).toMatch(
        /^\/IMS\/a-longer-name = 'one' {11}@ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z TRANSIENT$/,
      );
      expect(lines[1]).toMatch(/^\/IMS\/b {13}= 'two-is-longer' @ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      const old = await sim.ok('guestproperty', 'enumerate', 'vm', '--old-format');
      expect(old).toMatch(
        /^Name: \/IMS\/a-longer-name, value: one, timestamp: \d{19}, flags: TRANSIENT\nName: \/IMS\/b, value: two-is-longer, timestamp: \d{19}, flags: \n$/,
      );
    } else {
      expect(r).toMatch(
        /^Name: \/IMS\/a-longer-name, value: one, timestamp: \d{19}, flags: TRANSIENT\nName: \/IMS\/b, value: two-is-longer, timestamp: \d{19}, flags: \n$/,
      );
      const bad = await sim.vbox('guestproperty', 'enumerate', 'vm', '--old-format');
      expect(bad.exitCode).toBe(2);
    }
    const filtered = await sim.ok('guestproperty', 'enumerate', 'vm', '--patterns', '/IMS/b');
    expect(filtered).toContain('/IMS/b');
    expect(filtered).not.toContain('a-longer-name');
    expect(await sim.ok('guestproperty', 'get', 'vm', '/IMS/b')).toBe('Value: two-is-longer\n');
    expect(await sim.ok('guestproperty', 'get', 'vm', '/IMS/none')).toBe('No value set!\n');
    await sim.ok('guestproperty', 'set', 'vm', '/IMS/b');
    expect(await sim.ok('guestproperty', 'get', 'vm', '/IMS/b')).toBe('No value set!\n');
  });

  it('prints a multi-line value raw, as printf does, and takes patterns the way this version does', async () => {
    sim = await makeSim(version);
    await createVm(sim, 'vm');
    await sim.ok('guestproperty', 'set', 'vm', '/IMS/multi', 'first\nName: /x, value: y\nlast');
    await sim.ok('guestproperty', 'set', 'vm', '/IMS/one', '1');
    const both = await sim.ok('guestproperty', 'enumerate', 'vm', '--patterns', '/IMS/multi|/IMS/one');
    if (seven) {
      // VBoxManageGuestProp.cpp 7.0: "%-*ls = '%ls'", the value column sized by the longest value
      expect(both).toMatch(
        /^\/IMS\/multi = 'first\nName: \/x, value: y\nlast' @ \S+Z\n\/IMS\/one {3}= '1' {28}@ \S+Z\n$/,
      );
      // Positional patterns too; several are joined with "," and "," separates nothing.
      expect(await sim.ok('guestproperty', 'enumerate', 'vm', '/IMS/one')).toMatch(/^\/IMS\/one = '1' +@ /);
      expect(await sim.ok('guestproperty', 'enumerate', 'vm', '/IMS/one', '/IMS/multi')).toBe(
        'No properties found.\n',
      );
    } else {
      // VBoxManageGuestProp.cpp 4.x-6.1: "Name: %ls, value: %ls, timestamp: %lld, flags: %ls\n"
      expect(both).toMatch(
        /^Name: \/IMS\/multi, value: first\nName: \/x, value: y\nlast, timestamp: \d{19}, flags: \nName: \/IMS\/one, value: 1, timestamp: \d{19}, flags: \n$/,
      );
      // Two arguments after the VM are a syntax error; with exactly three the third is the pattern.
      expect((await sim.vbox('guestproperty', 'enumerate', 'vm', '/IMS/one')).exitCode).toBe(2);
      expect(await sim.ok('guestproperty', 'enumerate', 'vm', 'ignored', '/IMS/one')).toMatch(
        /^Name: \/IMS\/one,/,
      );
      expect((await sim.vbox('guestproperty', 'enumerate', 'vm', 'x', '/IMS/one', 'y')).exitCode).toBe(2);
    }
  });

  it('reports an unknown VM as a VBOX_E_OBJECT_NOT_FOUND block, exit 1', async () => {
    sim = await makeSim(version);
    const r = await sim.vbox('showvminfo', 'ghost', '--machinereadable');
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toBe('');
    const component = version === '4.3' ? 'VirtualBox' : 'VirtualBoxWrap';
    expect(r.stderr).toBe(
      "VBoxManage: error: Could not find a registered machine named 'ghost'\n" +
        `VBoxManage: error: Details: code VBOX_E_OBJECT_NOT_FOUND (0x80bb0001), component ${component}, interface IVirtualBox, callee nsISupports\n` +
        `VBoxManage: error: Context: "FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())" at line ${version >= '6' ? 2781 : 2611} of file VBoxManageInfo.cpp\n`,
    );
  });

  it('exits 2 with a usage excerpt on a syntax error', async () => {
    sim = await makeSim(version);
    await createVm(sim, 'vm');
    const r = await sim.vbox('modifyvm', 'vm', '--no-such-option', 'x');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Usage:');
    expect(r.stderr).toContain('VBoxManage modifyvm');
    expect(r.stderr).toContain(
      seven
        ? 'VBoxManage: error: Unknown option: --no-such-option'
        : 'Syntax error: Unknown option: --no-such-option',
    );
    expect((await sim.vbox('frobnicate')).exitCode).toBe(2);
  });

  it(`crashes to ${seven ? 'aborted-saved' : 'aborted'} from saved state (sim-only __sim crash)`, async () => {
    sim = await makeSim(version);
    await createVm(sim, 'vm');
    await sim.ok('startvm', 'vm', '--type', 'headless');
    await sim.ok('controlvm', 'vm', 'savestate');
    expect(await sim.ok('showvminfo', 'vm', '--machinereadable')).toContain('VMState="saved"\n');
    await sim.ok('__sim', 'crash', 'vm');
    const info = await sim.ok('showvminfo', 'vm', '--machinereadable');
    expect(info).toContain(seven ? 'VMState="aborted-saved"\n' : 'VMState="aborted"\n');
    await sim.ok('startvm', 'vm', '--type', 'headless');
    expect(await sim.ok('showvminfo', 'vm', '--machinereadable')).toContain('VMState="running"\n');
    await sim.ok('__sim', 'crash', 'vm');
    expect(await sim.ok('showvminfo', 'vm', '--machinereadable')).toContain('VMState="aborted"\n');
  });
});
