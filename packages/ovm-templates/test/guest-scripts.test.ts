import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  assertHostReady,
  BOOTCONFIG,
  type BootParamsSpec,
  bootparams,
  GUEST_SHELLS,
  GuestSandbox,
  type NicSpec,
} from './guest/harness.js';

const MAC0 = '52:54:00:12:34:56';
const MAC1 = '52:54:00:ab:cd:ef';
const STATIC0: NicSpec = { mac: MAC0, address: '10.0.2.15/24', gateway: '10.0.2.2' };

beforeAll(() => {
  assertHostReady();
});

describe.each(GUEST_SHELLS)('ims-bootconfig under $name', (shell) => {
  let sandbox: GuestSandbox;

  afterEach(() => {
    sandbox.dispose();
  });

  /** A sandbox with eth0 (MAC0) and a findfs-visible disk holding bootparams for the spec. */
  function guestWith(spec: BootParamsSpec): GuestSandbox {
    sandbox = new GuestSandbox();
    sandbox.addInterface('lo', '00:00:00:00:00:00');
    sandbox.addInterface('eth0', MAC0);
    sandbox.provideDisk({ conf: bootparams(spec) });
    return sandbox;
  }

  describe('finding the boot-parameter disk', () => {
    it('copies bootparams.conf from the disk findfs finds, unmounts it at once, then configures', () => {
      const conf = bootparams({
        nics: [STATIC0],
        dns: '10.0.2.3 10.0.2.4',
        sshKeys: ['ssh-ed25519 AAAA admin@ims'],
      });
      const guest = guestWith({});
      guest.provideDisk({ conf });

      const run = guest.run(shell);

      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(run.console).toEqual([
        'boot-parameter disk /dev/vdb',
        'hostname web-1',
        `configured eth0 ${MAC0} 10.0.2.15/24`,
        'dns 10.0.2.3 10.0.2.4',
        'ssh keys for root: 1',
        'ready',
      ]);
      expect(guest.actions()).toEqual([
        'findfs LABEL=cidata',
        'mount -t iso9660 -o ro /dev/vdb <mnt>',
        'umount <mnt> (copied)',
        'hostname web-1',
        'ip addr flush dev eth0',
        'ip addr add 10.0.2.15/24 dev eth0',
        'ip link set eth0 up',
        'ip -4 route replace default via 10.0.2.2 dev eth0',
      ]);
      expect(guest.read('/etc/ims/bootparams.conf')).toBe(conf);
      expect(guest.mode('/etc/ims/bootparams.conf')).toBe(0o600);
      expect(guest.mode('/etc/ims')).toBe(0o700);
      expect(guest.read('/etc/hostname')).toBe('web-1\n');
      expect(guest.read('/etc/hosts')).toBe('127.0.0.1 localhost\n127.0.1.1 web-1\n');
      expect(guest.read('/etc/resolv.conf')).toBe('nameserver 10.0.2.3\nnameserver 10.0.2.4\n');
      expect(guest.read('/root/.ssh/authorized_keys')).toContain('\nssh-ed25519 AAAA admin@ims\n');
      expect(run.tmpLeftovers).toEqual([]);
    });

    it('finds a disk labelled CIDATA with blkid -L when findfs does not', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: bootparams({}), label: 'CIDATA', methods: ['blkid-L'], device: '/dev/sr0' });

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions().slice(0, 6)).toEqual([
        'findfs LABEL=cidata',
        'findfs LABEL=CIDATA',
        'blkid -L cidata',
        'blkid -L CIDATA',
        'mount -t iso9660 -o ro /dev/sr0 <mnt>',
        'umount <mnt> (copied)',
      ]);
      expect(run.console).toContain('boot-parameter disk /dev/sr0');
      expect(run.console).toContain('ready');
    });

    it('scans the disks by name, ignores a partition label, and falls back to -t auto', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: bootparams({}), methods: ['scan'], device: 'vdc', iso9660Fails: true });
      guest.writeFile('/dev/vda', '');
      const device = guest.diskDevice();

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      const actions = guest.actions();
      const start = actions.indexOf(`blkid ${guest.path('/dev/vda')}`);
      expect(start).toBeGreaterThan(0);
      expect(actions.slice(start, start + 5)).toEqual([
        `blkid ${guest.path('/dev/vda')}`,
        `blkid ${device}`,
        `mount -t iso9660 -o ro ${device} <mnt>`,
        `mount -t auto -o ro ${device} <mnt>`,
        'umount <mnt> (copied)',
      ]);
      expect(run.console).toContain(`boot-parameter disk ${device}`);
      expect(run.tmpLeftovers).toEqual([]);
    });

    it('keeps looking for a disk that shows up late, for up to IMS_DISK_WAIT seconds', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: bootparams({}), hiddenProbes: 2 });

      const run = guest.run(shell, { IMS_DISK_WAIT: '3' });

      expect(run.status).toBe(0);
      expect(guest.actions().filter((line) => line.startsWith('findfs'))).toEqual([
        'findfs LABEL=cidata',
        'findfs LABEL=CIDATA',
        'findfs LABEL=cidata',
      ]);
      expect(run.console).toContain('ready');
    });

    it('unmounts a disk without bootparams.conf and uses the previous file', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: undefined });
      guest.writeFile('/etc/ims/bootparams.conf', bootparams({ name: 'previous' }), 0o600);

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions()).toContain('umount <mnt> (not-copied)');
      expect(run.console).toEqual([
        'boot-parameter disk /dev/vdb',
        'warning: /dev/vdb has no bootparams.conf',
        'could not read bootparams.conf from /dev/vdb; using the previous /etc/ims/bootparams.conf',
        'hostname previous',
        'ready',
      ]);
      expect(run.tmpLeftovers).toEqual([]);
    });

    it('does nothing when the disk cannot be mounted and there is no previous file', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: bootparams({}), mountFails: true });
      const before = guest.snapshot();

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions().filter((line) => line.startsWith('umount'))).toEqual([]);
      expect(run.console).toEqual([
        'boot-parameter disk /dev/vdb',
        'warning: cannot mount /dev/vdb',
        'could not read bootparams.conf from /dev/vdb and there is no previous /etc/ims/bootparams.conf; nothing to configure',
      ]);
      expect(guest.snapshot()).toEqual(before);
      expect(run.tmpLeftovers).toEqual([]);
    });

    it('unmounts the disk when bootparams.conf cannot be installed', () => {
      const guest = guestWith({});
      guest.writeFile('/etc/ims', 'a file where the directory should be');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions()).toContain('umount <mnt> (not-copied)');
      expect(run.console).toContain('warning: cannot copy bootparams.conf to /etc/ims/');
      expect(run.console.at(-1)).toMatch(/nothing to configure$/);
      expect(run.tmpLeftovers).toEqual([]);
    });

    it('unmounts the disk when the script is terminated right after mounting it', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: bootparams({}), termAfterMount: true });

      const run = guest.run(shell);

      expect(run.status).toBe(143);
      expect(guest.actions().slice(-2)).toEqual([
        'mount -t iso9660 -o ro /dev/vdb <mnt>',
        'umount <mnt> (not-copied)',
      ]);
      expect(run.console.at(-1)).toBe('stopped with exit status 143');
      expect(run.tmpLeftovers).toEqual([]);
    });

    it('warns and goes on when the disk cannot be unmounted', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: bootparams({}), umountFails: true });

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toContain(`warning: cannot unmount ${guest.tmp}/${run.tmpLeftovers[0]}`);
      expect(run.console.at(-1)).toBe('ready');
      expect(guest.actions().filter((line) => line.startsWith('umount'))).toEqual(['umount <mnt> (copied)']);
    });

    it('reboots without the disk: says so and configures from the previous file', () => {
      const guest = guestWith({ nics: [STATIC0] });
      guest.removeDisk();
      guest.writeFile('/etc/ims/bootparams.conf', bootparams({ name: 'kept', nics: [STATIC0] }), 0o600);

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toEqual([
        'no boot-parameter disk (label cidata) found; using the previous /etc/ims/bootparams.conf',
        'hostname kept',
        `configured eth0 ${MAC0} 10.0.2.15/24`,
        'ready',
      ]);
      expect(guest.actions().some((line) => line.startsWith('mount'))).toBe(false);
      expect(guest.read('/etc/hostname')).toBe('kept\n');
    });

    it('without disk and without a previous file: says so, exits 0 and changes nothing', () => {
      const guest = guestWith({ nics: [STATIC0] });
      guest.removeDisk();
      guest.addHook('10-hook', `#!/bin/sh\ntouch '${guest.marker}'\n`);
      const before = guest.snapshot();

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toEqual([
        'no boot-parameter disk (label cidata) found and there is no previous /etc/ims/bootparams.conf; nothing to configure',
      ]);
      expect(guest.snapshot()).toEqual(before);
      expect(guest.actions().every((line) => /^(findfs|blkid) /.test(line))).toBe(true);
      expect(existsSync(guest.marker)).toBe(false);
    });
  });

  describe('network', () => {
    it('configures a DHCP NIC with udhcpc when the guest has it, and reports the address obtained', () => {
      const guest = guestWith({ nics: [{ mac: MAC0, address: 'dhcp' }] });
      guest.addTool('udhcpc', '#!/bin/sh\nexit 99\n');
      guest.addTool('dhclient', '#!/bin/sh\nexit 99\n');
      guest.writeFile('/.ims-fake-ipv4/eth0', '10.0.2.15/24\n');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions().slice(4)).toEqual([
        'ip link set eth0 up',
        'udhcpc -i eth0 -n -q',
        'ip -o -4 addr show dev eth0',
      ]);
      expect(run.console).toContain('dhcp on eth0 with udhcpc');
      expect(run.console).toContain(`configured eth0 ${MAC0} dhcp 10.0.2.15/24`);
    });

    it('uses dhclient when there is no udhcpc', () => {
      const guest = guestWith({ nics: [{ mac: MAC0, address: 'dhcp' }] });
      guest.addTool('dhclient', '#!/bin/sh\nexit 99\n');
      guest.writeFile('/.ims-fake-ipv4/eth0', '192.168.1.20/24');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions()).toContain('dhclient eth0');
      expect(guest.actions().some((line) => line.startsWith('udhcpc'))).toBe(false);
      expect(run.console).toContain('dhcp on eth0 with dhclient');
      expect(run.console).toContain(`configured eth0 ${MAC0} dhcp 192.168.1.20/24`);
    });

    it('warns when the guest has no DHCP client, and still finishes', () => {
      const guest = guestWith({ nics: [{ mac: MAC0, address: 'dhcp' }] });

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toContain(
        'warning: no DHCP client (udhcpc or dhclient) in this guest; eth0 left unconfigured',
      );
      expect(run.console.some((line) => line.startsWith('configured'))).toBe(false);
      expect(run.console.at(-1)).toBe('ready');
    });

    it('says so when DHCP leaves the interface without an address', () => {
      const guest = guestWith({ nics: [{ mac: MAC0, address: 'dhcp' }] });
      guest.addTool('udhcpc', '#!/bin/sh\nexit 99\n');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toContain('warning: eth0 has no IPv4 address after DHCP');
      expect(run.console).toContain(`configured eth0 ${MAC0} dhcp`);
    });

    it('matches two NICs to interfaces by MAC, ignoring case and interface order', () => {
      const guest = guestWith({
        nics: [STATIC0, { mac: MAC1, address: 'dhcp' }],
        dns: '10.0.2.3',
      });
      guest.addInterface('eth0', '52:54:00:00:00:99');
      guest.addInterface('ens3', MAC1.toUpperCase());
      guest.addInterface('ens4', MAC0);
      guest.addTool('udhcpc', '#!/bin/sh\nexit 99\n');
      guest.writeFile('/.ims-fake-ipv4/ens3', '10.0.3.7/24');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(guest.actions().slice(4)).toEqual([
        'ip addr flush dev ens4',
        'ip addr add 10.0.2.15/24 dev ens4',
        'ip link set ens4 up',
        'ip -4 route replace default via 10.0.2.2 dev ens4',
        'ip link set ens3 up',
        'udhcpc -i ens3 -n -q',
        'ip -o -4 addr show dev ens3',
      ]);
      expect(run.console).toContain(`configured ens4 ${MAC0} 10.0.2.15/24`);
      expect(run.console).toContain(`configured ens3 ${MAC1} dhcp 10.0.3.7/24`);
      expect(guest.read('/etc/resolv.conf')).toBe('nameserver 10.0.2.3\n');
    });

    it('warns about a MAC no interface has and configures the other NICs', () => {
      const guest = guestWith({ nics: [{ mac: '52:54:00:de:ad:00', address: '10.9.9.9/24' }, STATIC0] });

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toContain('warning: no interface has MAC 52:54:00:de:ad:00; NIC 0 skipped');
      expect(run.console).toContain(`configured eth0 ${MAC0} 10.0.2.15/24`);
      expect(guest.actions().some((line) => line.includes('10.9.9.9'))).toBe(false);
      expect(run.console.at(-1)).toBe('ready');
    });

    it('publishes addresses with VBoxControl and xenstore-write where the guest has them', () => {
      const guest = guestWith({ nics: [STATIC0, { mac: MAC1, address: '10.0.3.8/24' }] });
      guest.addInterface('eth1', MAC1);
      guest.addTool('VBoxControl', '#!/bin/sh\nexit 99\n');
      guest.addTool('xenstore-write', '#!/bin/sh\nexit 99\n');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      const published = guest.actions().filter((line) => /^(VBoxControl|xenstore-write) /.test(line));
      expect(published).toEqual([
        'VBoxControl --nologo guestproperty set /IMS/Net/0/V4/IP 10.0.2.15',
        'xenstore-write data/ims/ip 10.0.2.15',
        'VBoxControl --nologo guestproperty set /IMS/Net/1/V4/IP 10.0.3.8',
      ]);
    });
  });

  describe('refusing a bootparams.conf that is not plain KEY=literal', () => {
    // [name, the entry (given the marker path), the reason expected, whether sh would run the payload]
    const hostile: ReadonlyArray<readonly [string, (marker: string) => string, RegExp, boolean]> = [
      [
        'a command substitution as value',
        (m) => `IMS_X=$(touch ${m})\n`,
        /line 3: not a KEY='value' entry/,
        true,
      ],
      [
        'a command substitution between quoted parts',
        (m) => `IMS_X='a'$(touch ${m})'b'\n`,
        /line 3: text after the closing quote of IMS_X/,
        true,
      ],
      [
        'an escaped quote followed by a command',
        (m) => `IMS_X='a'\\'$(touch ${m})\n`,
        /line 3: text after the closing quote of IMS_X/,
        true,
      ],
      [
        'an unterminated value',
        (m) => `IMS_X='unterminated\ntouch ${m}\n`,
        /value of IMS_X \(line 3\) has no closing quote/,
        false,
      ],
      ['a double-quoted value', (m) => `IMS_X="$(touch ${m})"\n`, /line 3: not a KEY='value' entry/, true],
      ['backticks', (m) => `IMS_X=\`touch ${m}\`\n`, /line 3: not a KEY='value' entry/, true],
      [
        'a second command on the line',
        (m) => `IMS_X='a'; touch ${m}\n`,
        /text after the closing quote of IMS_X/,
        true,
      ],
      [
        'a command run with the entry as environment',
        (m) => `IMS_X='a' touch ${m}\n`,
        /text after the closing quote/,
        true,
      ],
      ['a command on a line of its own', (m) => `touch ${m}\n`, /line 3: not a KEY='value' entry/, true],
      ['a key outside IMS_', () => `PATH='/nonexistent'\n`, /line 3: key PATH is not an IMS_ key/, false],
      ['a lower-case key', () => `ims_x='a'\n`, /line 3: not a KEY='value' entry/, false],
      ['an export', () => `export IMS_X='a'\n`, /line 3: not a KEY='value' entry/, false],
      ['a comment', () => `# IMS_X='a'\n`, /line 3: not a KEY='value' entry/, false],
      [
        'a duplicate key',
        () => `IMS_BOOTPARAMS_VERSION='1'\n`,
        /line 3: key IMS_BOOTPARAMS_VERSION appears twice/,
        false,
      ],
      ['DOS line endings', () => `IMS_X='a'\r\n`, /line 3: carriage return after the value of IMS_X/, false],
      ['a NUL byte', () => `IMS_X='a\0b'\n`, /it contains NUL bytes/, false],
      ['more than 64 KiB', () => `IMS_X='${'x'.repeat(70_000)}'\n`, /more than the limit of 65536/, false],
    ];
    const hostileConf = (body: (marker: string) => string, marker: string): string =>
      `IMS_BOOTPARAMS_VERSION='1'\nIMS_HOSTNAME='web-1'\n${body(marker)}`;

    it.each(hostile.filter(([, , , live]) => live))(
      'control: %s really runs its payload when the shell sources the file',
      (_name, body) => {
        sandbox = new GuestSandbox();
        const file = join(sandbox.base, 'hostile.conf');
        writeFileSync(file, hostileConf(body, sandbox.marker));

        spawnSync(shell.argv[0], [...shell.argv.slice(1), '-c', '. "$1"', 'sh', file], { cwd: sandbox.base });

        expect(existsSync(sandbox.marker)).toBe(true);
      },
    );

    it.each(hostile)('refuses %s without executing anything', (_name, body, reason) => {
      const guest = guestWith({});
      guest.addHook('10-hook', `#!/bin/sh\ntouch '${guest.marker}'\n`);
      guest.provideDisk({ conf: hostileConf(body, guest.marker) });

      const run = guest.run(shell);

      expect(run.status).toBe(1);
      const refusal = run.console.find((line) => line.startsWith('refused /etc/ims/bootparams.conf: '));
      expect(refusal).toMatch(reason);
      expect(run.console.at(-1)).toBe('stopped with exit status 1');
      expect(run.console).not.toContain('ready');
      expect(existsSync(guest.marker)).toBe(false);
      expect(guest.exists('/etc/hostname')).toBe(false);
      expect(guest.actions().at(-1)).toBe('umount <mnt> (copied)');
    });

    it.each([
      ['2', "IMS_BOOTPARAMS_VERSION is '2'; this guest understands version 1"],
      ['', 'IMS_BOOTPARAMS_VERSION is missing'],
    ])('refuses version %j', (version, reason) => {
      const guest = guestWith({ version, nics: [STATIC0] });

      const run = guest.run(shell);

      expect(run.status).toBe(1);
      expect(run.console).toContain(`refused /etc/ims/bootparams.conf: ${reason}`);
      expect(guest.exists('/etc/hostname')).toBe(false);
      expect(guest.actions().some((line) => line.startsWith('ip '))).toBe(false);
    });

    it('refuses a count that is not a number', () => {
      const guest = guestWith({});
      guest.provideDisk({ conf: `${bootparams({})}`.replace("IMS_NET_COUNT='0'", "IMS_NET_COUNT='1 -o 1'") });

      const run = guest.run(shell);

      expect(run.status).toBe(1);
      expect(run.console).toContain(
        "refused /etc/ims/bootparams.conf: IMS_NET_COUNT is '1 -o 1', not a count",
      );
    });
  });

  describe('hooks', () => {
    it('runs executable hooks in name order with the parameters, literally, in their environment', () => {
      const hostileValue = `it's "quoted" $(touch MARK) \`touch MARK\` \${HOME} '\\'' \\n\nsecond line`;
      const guest = guestWith({ params: { DAS_HOST: 'admin.example', HOSTILE: hostileValue } });
      const value = hostileValue.replaceAll('MARK', guest.marker);
      guest.provideDisk({ conf: bootparams({ params: { DAS_HOST: 'admin.example', HOSTILE: value } }) });
      const record = '#!/bin/sh\nbasename "$0" >>hook-order\n';
      guest.addHook('10-second', `${record}echo "second says hi"\n`);
      guest.addHook(
        '02-first',
        `${record}env >first-env\nprintf '%s' "$IMS_PARAM_HOSTILE" >hostile-value\necho "first says hi"\nprintf 'no newline' >&2\n`,
      );
      guest.addHook('20-fails', `${record}echo "about to fail"\nexit 3\n`);
      guest.addHook('30-after-failure', record);
      guest.addHook('15-not-executable', record, false);
      guest.writeFile('/etc/ims/boot.d/12-directory/file', '');

      const run = guest.run(shell, { IMS_STALE_FROM_ENVIRONMENT: 'must not reach hooks' });

      expect(run.status).toBe(0);
      expect(guest.read('/hook-order')).toBe('02-first\n10-second\n20-fails\n30-after-failure\n');
      expect(guest.read('/hostile-value')).toBe(value);
      expect(existsSync(guest.marker)).toBe(false);
      const env = guest.read('/first-env');
      expect(env).toContain('IMS_HOSTNAME=web-1\n');
      expect(env).toContain('IMS_PARAM_DAS_HOST=admin.example\n');
      expect(env).toContain('IMS_BOOTPARAMS_VERSION=1\n');
      expect(env).not.toContain('IMS_STALE_FROM_ENVIRONMENT');
      expect(run.console.slice(run.console.indexOf('hostname web-1') + 1)).toEqual([
        'hook 02-first: first says hi',
        'hook 02-first: no newline',
        'hook 02-first exit 0',
        'hook 10-second: second says hi',
        'hook 10-second exit 0',
        'hook 20-fails: about to fail',
        'hook 20-fails exit 3',
        'hook 30-after-failure exit 0',
        'ready',
      ]);
      expect(run.tmpLeftovers).toEqual([]);
    });
  });

  describe('files kept in order across reboots', () => {
    it('replaces the IMS block of authorized_keys and keeps every other line', () => {
      const guest = guestWith({ sshKeys: ['ssh-ed25519 NEW1 a@ims', 'ssh-rsa NEW2 b@ims'] });
      guest.writeFile(
        '/root/.ssh/authorized_keys',
        [
          'ssh-ed25519 FOREIGN1 user@laptop',
          '# ims-managed begin: keys from the IMS boot parameters, replaced at every boot',
          'ssh-ed25519 OLD a@ims',
          '# ims-managed end',
          'ssh-ed25519 FOREIGN2 user@desk',
          '',
        ].join('\n'),
        0o644,
      );

      const first = guest.run(shell);
      const afterFirst = guest.read('/root/.ssh/authorized_keys');
      const second = guest.run(shell);

      expect(first.status).toBe(0);
      expect(second.status).toBe(0);
      expect(afterFirst).toBe(
        [
          'ssh-ed25519 FOREIGN1 user@laptop',
          'ssh-ed25519 FOREIGN2 user@desk',
          '# ims-managed begin: keys from the IMS boot parameters, replaced at every boot',
          'ssh-ed25519 NEW1 a@ims',
          'ssh-rsa NEW2 b@ims',
          '# ims-managed end',
          '',
        ].join('\n'),
      );
      expect(guest.read('/root/.ssh/authorized_keys')).toBe(afterFirst);
      expect(guest.mode('/root/.ssh/authorized_keys')).toBe(0o600);
      expect(guest.mode('/root/.ssh')).toBe(0o700);
    });

    it('removes the IMS block when there are no keys any more, and skips keys that are not one line', () => {
      const guest = guestWith({
        sshKeys: ['ssh-ed25519 KEEP a@ims', 'ssh-ed25519 X\nssh-rsa INJECTED', '# ims-managed end'],
      });
      guest.writeFile('/root/.ssh/authorized_keys', 'ssh-ed25519 FOREIGN user@laptop\n');

      const first = guest.run(shell);

      expect(first.console).toContain('warning: IMS_SSH_KEY_2 spans several lines; skipped');
      expect(first.console).toContain('warning: IMS_SSH_KEY_3 is a comment, not a key; skipped');
      expect(guest.read('/root/.ssh/authorized_keys')).not.toContain('INJECTED');
      expect(guest.read('/root/.ssh/authorized_keys')).toContain('\nssh-ed25519 KEEP a@ims\n');

      guest.provideDisk({ conf: bootparams({}) });
      guest.run(shell);

      expect(guest.read('/root/.ssh/authorized_keys')).toBe('ssh-ed25519 FOREIGN user@laptop\n');
    });

    it('replaces the 127.0.1.1 line of /etc/hosts in place, once', () => {
      const guest = guestWith({ hostname: 'db-2' });
      guest.writeFile(
        '/etc/hosts',
        '127.0.0.1\tlocalhost\n127.0.1.1\told-name\n::1 localhost\n127.0.1.1 dup\n',
      );

      guest.run(shell);
      const afterFirst = guest.read('/etc/hosts');
      guest.run(shell);

      expect(afterFirst).toBe('127.0.0.1\tlocalhost\n127.0.1.1 db-2\n::1 localhost\n');
      expect(guest.read('/etc/hosts')).toBe(afterFirst);
    });

    it('leaves the hostname alone when the name is not a host name', () => {
      const guest = guestWith({ hostname: 'evil\n10.0.0.1 bank' });
      guest.writeFile('/etc/hosts', '127.0.0.1 localhost\n');

      const run = guest.run(shell);

      expect(run.status).toBe(0);
      expect(run.console).toContain(
        "warning: 'evil?10.0.0.1 bank' is not a valid host name; hostname left unchanged",
      );
      expect(guest.exists('/etc/hostname')).toBe(false);
      expect(guest.read('/etc/hosts')).toBe('127.0.0.1 localhost\n');
      expect(guest.actions().some((line) => line.startsWith('hostname'))).toBe(false);
    });

    it('gives an identical tree and the same actions when run twice', () => {
      const guest = guestWith({
        nics: [STATIC0, { mac: MAC1, address: 'dhcp' }],
        dns: '10.0.2.3',
        sshKeys: ['ssh-ed25519 AAAA admin@ims'],
        params: { APP_MODE: 'prod' },
      });
      guest.addInterface('eth1', MAC1);
      guest.addTool('udhcpc', '#!/bin/sh\nexit 99\n');
      guest.writeFile('/.ims-fake-ipv4/eth1', '10.0.3.7/24');
      guest.writeFile('/etc/hosts', '127.0.0.1 localhost\n');
      guest.addHook('50-app', '#!/bin/sh\nprintf "mode=%s\\n" "$IMS_PARAM_APP_MODE" >app.conf\n');

      const first = guest.run(shell);
      const treeAfterFirst = guest.snapshot();
      const actionsAfterFirst = guest.actions();
      const second = guest.run(shell);

      expect(first.status).toBe(0);
      expect(second.status).toBe(0);
      expect(second.console).toEqual(first.console);
      expect(guest.snapshot()).toEqual(treeAfterFirst);
      expect(guest.actions()).toEqual(actionsAfterFirst);
      expect(guest.read('/app.conf')).toBe('mode=prod\n');
    });
  });

  describe('console', () => {
    it('writes the lines to IMS_CONSOLE when set', () => {
      const guest = guestWith({});
      const consoleFile = `${guest.base}/console`;

      const run = guest.run(shell, { IMS_CONSOLE: consoleFile });

      expect(run.status).toBe(0);
      expect(run.console).toEqual([]);
      expect(readFileSync(consoleFile, 'utf8')).toBe(
        'IMS: boot-parameter disk /dev/vdb\nIMS: hostname web-1\nIMS: ready\n',
      );
    });

    it('finds its helpers beside the script when started through a symlink', () => {
      const guest = guestWith({});
      const link = join(guest.base, 'ims-bootconfig-link');
      symlinkSync(BOOTCONFIG, link);

      const run = guest.run(shell, {}, link);

      expect(run.stderr).toBe('');
      expect(run.console.at(-1)).toBe('ready');
    });
  });
});
