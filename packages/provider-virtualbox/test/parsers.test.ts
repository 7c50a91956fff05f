/** The pure parsers, on the output samples of the VirtualBox reference (test/fixtures). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasErrorLine, isLockMessage, parseErrorBlock } from '../src/parse/errors.js';
import { enumerateFormatOf, isoToNs, parseGuestProperties } from '../src/parse/guest-properties.js';
import {
  macFromVBox,
  machineInfo,
  parseMachineReadable,
  parseStateChangeTime,
} from '../src/parse/machine-info.js';
import { metricNumber, parseMetricsQuery } from '../src/parse/metrics.js';
import { parseCloneOutput, parseVersion, startSucceeded } from '../src/parse/outputs.js';
import { isOffState, isRunningState, vmStatus } from '../src/parse/states.js';
import { parseVmList } from '../src/parse/vm-list.js';

const fixture = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', name), 'utf8');

describe('parseVersion', () => {
  it('reads major.minor.patch from every version line of the reference', () => {
    const lines = fixture('versions.txt').trim().split('\n');
    expect(lines.map((l) => parseVersion(l))).toEqual([
      { major: 4, minor: 1, patch: 2, text: '4.1.2_Ubuntur38459' },
      { major: 4, minor: 2, patch: 18, text: '4.2.18r88780' },
      { major: 5, minor: 0, patch: 8, text: '5.0.8r103449' },
      { major: 7, minor: 0, patch: 18, text: '7.0.18r162988' },
      { major: 7, minor: 1, patch: 14, text: '7.1.14_Mageia r170994' },
    ]);
  });

  it('skips the WARNING lines 7.0.16+ prints first, and gives up on output without a version', () => {
    const out = 'WARNING: The environment variable LOGNAME differs from the effective user\n7.0.18r162988\n';
    expect(parseVersion(out)?.text).toBe('7.0.18r162988');
    expect(parseVersion('WARNING: 1.2.3 is not a version line\n')).toBeUndefined();
    expect(parseVersion('Oracle VM VirtualBox Command Line Management Interface\n')).toBeUndefined();
  });
});

describe('parseVmList', () => {
  it('reads names and UUIDs, marks <inaccessible> VMs, and keeps names with quotes whole', () => {
    expect(parseVmList(fixture('list-vms.txt'))).toEqual([
      { name: 'precise64', uuid: '2f5f6e1c-9f3b-4d47-9f54-1e0e3f6a7c11', accessible: true },
      { name: '<inaccessible>', uuid: 'b7a2c3d4-5e6f-4a1b-8c9d-0e1f2a3b4c5d', accessible: false },
      { name: 'web server "quoted" one', uuid: '0a1b2c3d-4e5f-4061-8293-a4b5c6d7e8f9', accessible: true },
    ]);
  });

  it('gives nothing for empty output and skips lines of another shape', () => {
    expect(parseVmList('')).toEqual([]);
    expect(parseVmList('garbage\n"a" {not-a-uuid}\n')).toEqual([]);
  });
});

describe('parseMachineReadable / machineInfo', () => {
  const text = fixture('showvminfo-7.0.txt');

  it('unescapes quoted values, reads unquoted numbers and quoted keys', () => {
    const values = parseMachineReadable(text);
    expect(values.get('name')).toBe('conf-vm "one" \\ test');
    expect(values.get('memory')).toBe('2048');
    expect(values.get('SATA-0-0')).toBe('/path/disk.vmdk');
    expect(values.get('IDE-1-0')).toBe('/srv/vms/conf-vm/conf-vm-bootparams.iso');
    expect(values.get('description')).toBe('first line\nsecond line with "quotes"');
  });

  it('skips the lines that are not key=value (VideoMode, facility lines, the 7.0 Encryption line)', () => {
    const values = parseMachineReadable(text);
    expect(values.has('VideoMode')).toBe(false);
    expect([...values.keys()].some((k) => k.startsWith('GuestAdditionsFacility'))).toBe(false);
    expect([...values.keys()].some((k) => k.startsWith('Encryption'))).toBe(false);
    // The lines after an odd one are still read.
    expect(values.get('groups')).toBe('/');
    expect(values.get('storagecontrollername0')).toBe('SATA');
  });

  it('gives the provider name, UUID, state, sizes, settings file and NICs by slot with colon MACs', () => {
    const info = machineInfo(text);
    expect(info).toMatchObject({
      name: 'conf-vm "one" \\ test',
      uuid: '6b1e6c57-8c9a-4c5d-9a3e-2f1d0c4b5a69',
      vmState: 'running',
      memoryMiB: 2048,
      cpus: 2,
      configFile: '/srv/vms/conf-vm/conf-vm.vbox',
      stateChangedAt: Date.UTC(2016, 2, 25, 12, 58, 9, 499),
    });
    expect(info.nics).toEqual([
      { slot: 1, attachment: 'nat', mac: '08:00:27:08:9d:5f' },
      { slot: 3, attachment: 'hostonly', mac: '08:00:27:0a:0b:0c' },
    ]);
  });

  it('does not let an unterminated quote swallow the lines after it', () => {
    const values = parseMachineReadable('broken="no end\nmemory=512\nname="ok"\n');
    expect(values.has('broken')).toBe(false);
    expect(values.get('memory')).toBe('512');
    expect(values.get('name')).toBe('ok');
  });

  it('reads MACs and state change times, refusing what is not one', () => {
    expect(macFromVBox('080027AABBCC')).toBe('08:00:27:aa:bb:cc');
    expect(macFromVBox('08:00:27:AA:BB:CC')).toBeUndefined();
    expect(macFromVBox(undefined)).toBeUndefined();
    expect(parseStateChangeTime('2025-11-20T10:49:21.999Z')).toBe(Date.UTC(2025, 10, 20, 10, 49, 21, 999));
    expect(parseStateChangeTime('yesterday')).toBeUndefined();
  });
});

describe('vmStatus', () => {
  it('maps every VMState word of the reference onto the common states', () => {
    const expected: Record<string, string> = {
      poweroff: 'stopped',
      saved: 'suspended',
      teleported: 'stopped',
      aborted: 'crashed',
      'aborted-saved': 'crashed',
      running: 'running',
      paused: 'suspended',
      gurumeditation: 'crashed',
      teleporting: 'running',
      livesnapshotting: 'running',
      starting: 'starting',
      stopping: 'stopping',
      saving: 'stopping',
      restoring: 'starting',
      teleportingpausedvm: 'suspended',
      teleportingin: 'starting',
      deletingsnapshotlive: 'running',
      deletingsnapshotlivepaused: 'suspended',
      onlinesnapshotting: 'running',
      restoringsnapshot: 'stopped',
      deletingsnapshot: 'stopped',
      settingup: 'stopped',
      snapshotting: 'stopped',
      somethingnew: 'unknown',
    };
    for (const [word, state] of Object.entries(expected)) {
      expect({ word, ...vmStatus(word) }).toEqual({ word, state, providerState: word });
    }
    expect(isRunningState('running') && !isRunningState('paused')).toBe(true);
    expect(isOffState('aborted-saved') && isOffState('poweroff') && !isOffState('stopping')).toBe(true);
  });
});

describe('parseGuestProperties', () => {
  it('reads the 4.x–6.x lines with ns timestamps, values with commas and flags', () => {
    const properties = parseGuestProperties(fixture('guestproperty-enumerate-6.1.txt'), 'lines');
    expect(properties[0]).toEqual({
      name: '/VirtualBox/GuestInfo/Net/0/V4/IP',
      value: '10.0.3.15',
      timestampNs: 1571759720723226000n,
      flags: '',
    });
    expect(properties.find((p) => p.name === '/IMS/note')).toEqual({
      name: '/IMS/note',
      value: 'a, b, and c',
      timestampNs: 1571759720000000000n,
      flags: 'TRANSIENT, RDONLYGUEST',
    });
    expect(properties).toHaveLength(6);
  });

  it('reads the 7.x padded columns with ISO timestamps and bracketed flags', () => {
    const properties = parseGuestProperties(fixture('guestproperty-enumerate-7.1.txt'), 'columns');
    expect(properties[0]).toEqual({
      name: '/VirtualBox/GuestInfo/Net/0/MAC',
      value: '08002767E8B0',
      timestampNs: BigInt(Date.UTC(2025, 10, 20, 10, 49, 21, 999)) * 1_000_000n,
      flags: '',
    });
    expect(properties.at(-1)).toMatchObject({
      name: '/VirtualBox/HostInfo/VBoxVer',
      value: '7.1.14',
      timestampNs: BigInt(Date.UTC(2025, 10, 20, 10, 49, 10)) * 1_000_000n + 123_456_789n,
      flags: 'TRANSIENT, RDONLYGUEST',
    });
    expect(properties).toHaveLength(5);
  });

  it('reads a multi-line value as one value: a line that does not begin a property continues the one before', () => {
    const old = [
      'Name: /IMS/note, value: first line',
      'second, timestamp: 5, flags: ',
      'third line, timestamp: 7, flags: TRANSIENT',
      'Name: /VirtualBox/GuestInfo/Net/0/V4/IP, value: 10.0.2.15, timestamp: 1571759720723226000, flags: ',
      '',
    ].join('\n');
    expect(parseGuestProperties(old, 'lines')).toEqual([
      {
        name: '/IMS/note',
        value: 'first line\nsecond, timestamp: 5, flags: \nthird line',
        timestampNs: 7n,
        flags: 'TRANSIENT',
      },
      {
        name: '/VirtualBox/GuestInfo/Net/0/V4/IP',
        value: '10.0.2.15',
        timestampNs: 1571759720723226000n,
        flags: '',
      },
    ]);
    const columns = [
      "/IMS/note = 'first line",
      "/not a name = '203.0.113.66' @ 2099-12-31T23:59:59.999Z",
      "last' @ 2025-11-20T10:49:21.999Z",
      "/VirtualBox/GuestInfo/Net/0/MAC = '08002767E8B0' @ 2025-11-20T10:49:21.999Z RDONLYGUEST",
      '',
    ].join('\n');
    expect(parseGuestProperties(columns, 'columns')).toEqual([
      {
        name: '/IMS/note',
        value: "first line\n/not a name = '203.0.113.66' @ 2099-12-31T23:59:59.999Z\nlast",
        timestampNs: BigInt(Date.UTC(2025, 10, 20, 10, 49, 21, 999)) * 1_000_000n,
        flags: '',
      },
      {
        name: '/VirtualBox/GuestInfo/Net/0/MAC',
        value: '08002767E8B0',
        timestampNs: BigInt(Date.UTC(2025, 10, 20, 10, 49, 21, 999)) * 1_000_000n,
        flags: 'RDONLYGUEST',
      },
    ]);
  });

  it('drops a property whose lines do not follow the layout instead of reading part of it as another', () => {
    // The value's last line never comes: the record ends at the next property, malformed.
    const broken = [
      'Name: /IMS/note, value: no end',
      'Name: /VirtualBox/GuestInfo/Net/0/V4/IP, value: 10.0.2.15, timestamp: 9, flags: NOT-A-FLAG',
      'Name: /VirtualBox/GuestInfo/Net/0/MAC, value: 080027000001, timestamp: 9, flags: ',
    ].join('\n');
    expect(parseGuestProperties(broken, 'lines').map((p) => p.name)).toEqual([
      '/VirtualBox/GuestInfo/Net/0/MAC',
    ]);
    expect(parseGuestProperties("/IMS/x = 'v' @ yesterday\n", 'columns')).toEqual([]);
  });

  it('reads either layout whatever the version says, and nothing from "No properties found."', () => {
    expect(parseGuestProperties(fixture('guestproperty-enumerate-7.1.txt'), 'lines')).toHaveLength(5);
    expect(parseGuestProperties(fixture('guestproperty-enumerate-6.1.txt'), 'columns')).toHaveLength(6);
    expect(parseGuestProperties('No properties found.\n')).toEqual([]);
    expect(enumerateFormatOf(6)).toBe('lines');
    expect(enumerateFormatOf(7)).toBe('columns');
    expect(isoToNs('2025-11-20T10:49:21Z')).toBe(BigInt(Date.UTC(2025, 10, 20, 10, 49, 21)) * 1_000_000n);
    expect(isoToNs('2025-11-20 10:49:21')).toBeUndefined();
  });
});

describe('parseMetricsQuery', () => {
  it('reads the reference table: values with units, and Guest rows without values', () => {
    expect(parseMetricsQuery(fixture('metrics-query.txt'))).toEqual([
      { object: 'vm1', metric: 'CPU/Load/User', values: ['12.55%'] },
      { object: 'vm1', metric: 'RAM/Usage/Used', values: ['72220 kB'] },
      { object: 'vm1', metric: 'Guest/RAM/Usage/Total', values: [] },
    ]);
  });

  it('splits rows at the metric when an object name overflows its column, and keeps every sample', () => {
    const text = [
      'Object          Metric                                   Values',
      '--------------- ---------------------------------------- ------',
      'conf-1a2b3c4d-vm-long-name CPU/Load/Kernel                          1.00%, 2.50%',
      'vm2             Guest/RAM/Usage/Free                     1024 kB',
    ].join('\n');
    expect(parseMetricsQuery(text)).toEqual([
      { object: 'conf-1a2b3c4d-vm-long-name', metric: 'CPU/Load/Kernel', values: ['1.00%', '2.50%'] },
      { object: 'vm2', metric: 'Guest/RAM/Usage/Free', values: ['1024 kB'] },
    ]);
  });

  it('keeps object names with spaces and slashes whole (VMs IMS did not create, listed by `*`)', () => {
    const text = [
      'Object          Metric                                   Values',
      '--------------- ---------------------------------------- ------',
      'my vm CPU/Load/User CPU/Load/User                            3.00%',
      'a/b c           RAM/Usage/Used                           2048 kB, 4096 kB',
      'host            CPU/Load/Kernel                          ',
    ].join('\n');
    expect(parseMetricsQuery(text)).toEqual([
      { object: 'my vm CPU/Load/User', metric: 'CPU/Load/User', values: ['3.00%'] },
      { object: 'a/b c', metric: 'RAM/Usage/Used', values: ['2048 kB', '4096 kB'] },
      { object: 'host', metric: 'CPU/Load/Kernel', values: [] },
    ]);
  });

  it('turns printed values into numbers', () => {
    expect(metricNumber('12.55%')).toBe(12.55);
    expect(metricNumber('72220 kB')).toBe(72220);
    expect(metricNumber('')).toBeUndefined();
    expect(metricNumber(undefined)).toBeUndefined();
  });
});

describe('parseErrorBlock', () => {
  it('splits the reference error block into message, result code and context', () => {
    const stderr = fixture('error-not-found.txt');
    expect(hasErrorLine(stderr)).toBe(true);
    expect(parseErrorBlock(stderr)).toEqual({
      message: "Could not find a registered machine named 'x'",
      resultName: 'VBOX_E_OBJECT_NOT_FOUND',
      resultCode: 0x80bb0001,
      component: 'VirtualBoxWrap',
      context:
        '"FindMachine(Bstr(VMNameOrUuid).raw(), machine.asOutParam())" at line 2781 of file VBoxManageInfo.cpp',
    });
  });

  it('reads a block without Details, and finds none in progress output', () => {
    expect(parseErrorBlock("VBoxManage: error: Machine 'VM' is not currently running\n")).toEqual({
      message: "Machine 'VM' is not currently running",
    });
    expect(parseErrorBlock('0%...10%...20%...100%\n')).toBeUndefined();
    expect(hasErrorLine('0%...10%...100%\n')).toBe(false);
  });

  it('recognises the three lock messages of the reference', () => {
    expect(isLockMessage("The machine 'x' is already locked for a session (or being unlocked)")).toBe(true);
    expect(
      isLockMessage("The machine 'x' is already locked by a session (or being locked or unlocked)"),
    ).toBe(true);
    expect(isLockMessage("Cannot unregister the machine 'x' while it is locked")).toBe(true);
    expect(isLockMessage("Could not find a registered machine named 'x'")).toBe(false);
  });
});

describe('clonevm and startvm outputs', () => {
  it('reads the clone name and the start success line', () => {
    expect(parseCloneOutput(fixture('clonevm.txt'))).toBe('N');
    expect(parseCloneOutput('0%...100%\n')).toBeUndefined();
    expect(startSucceeded(fixture('startvm.txt'))).toBe(true);
    expect(startSucceeded('Waiting for VM "VM" to power on...\n')).toBe(false);
  });
});
