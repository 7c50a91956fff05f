import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The guest/ directory of the package: the scripts installed in guests as /usr/lib/ims/. */
export const GUEST_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../guest');

/** The entry point under test. */
export const BOOTCONFIG = join(GUEST_DIR, 'ims-bootconfig');

/** A shell the scripts must run under. */
export interface GuestShell {
  readonly name: string;
  readonly argv: readonly [string, ...string[]];
  readonly install: string;
}

/** Every shell the scripts are tested with: busybox sh (with its applets: awk, tr...), dash and bash. */
export const GUEST_SHELLS: readonly GuestShell[] = [
  { name: 'busybox sh', argv: ['/usr/bin/busybox', 'sh'], install: 'apt-get install busybox-static' },
  { name: 'dash', argv: ['/usr/bin/dash'], install: 'apt-get install dash' },
  { name: 'bash', argv: ['/usr/bin/bash'], install: 'apt-get install bash' },
];

/** Tools the fake root must not find on its PATH unless a test provides a fake of them. */
const TOOLS_TESTS_PROVIDE = ['udhcpc', 'dhclient', 'VBoxControl', 'xenstore-write'];

/** The PATH the scripts run with, after the sandbox's fake tools. */
const SYSTEM_PATH = ['/usr/bin', '/bin'];

/** Throws, saying what to install, when a program the tests need is missing or the host would interfere. */
export function assertHostReady(): void {
  for (const shell of GUEST_SHELLS) {
    if (!existsSync(shell.argv[0])) {
      throw new Error(`${shell.argv[0]} is missing; the guest script tests need it (${shell.install})`);
    }
  }
  if (spawnSync('shellcheck', ['--version']).status !== 0) {
    throw new Error('shellcheck is missing; the guest script tests need it (apt-get install shellcheck)');
  }
  for (const dir of SYSTEM_PATH) {
    for (const tool of TOOLS_TESTS_PROVIDE) {
      if (existsSync(join(dir, tool))) {
        throw new Error(
          `${join(dir, tool)} exists; the tests need ${tool} absent from ${SYSTEM_PATH.join(':')}`,
        );
      }
    }
  }
}

/** Quotes a value the way bootparams.conf does: single quotes, with ' written as '\''. */
export function quoteShellLiteral(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** One KEY/value pair of bootparams.conf. */
export type BootParamEntry = readonly [key: string, value: string];

/** Writes entries in the bootparams.conf format. */
export function formatBootparams(entries: readonly BootParamEntry[]): string {
  return entries.map(([key, value]) => `${key}=${quoteShellLiteral(value)}\n`).join('');
}

/** A NIC of the boot parameters. */
export interface NicSpec {
  readonly mac: string;
  readonly address: string;
  readonly gateway?: string;
}

/** The facts a test puts into bootparams.conf. */
export interface BootParamsSpec {
  readonly version?: string;
  readonly name?: string;
  readonly hostname?: string;
  readonly nics?: readonly NicSpec[];
  readonly dns?: string;
  readonly sshKeys?: readonly string[];
  readonly params?: Readonly<Record<string, string>>;
}

/** The entries of bootparams.conf for the spec, in the contract's order. */
export function bootparamsEntries(spec: BootParamsSpec): BootParamEntry[] {
  const entries: BootParamEntry[] = [['IMS_BOOTPARAMS_VERSION', spec.version ?? '1']];
  const name = spec.name ?? 'web-1';
  entries.push(['IMS_VM_NAME', name], ['IMS_HOSTNAME', spec.hostname ?? name]);
  const nics = spec.nics ?? [];
  entries.push(['IMS_NET_COUNT', String(nics.length)]);
  for (const [index, nic] of nics.entries()) {
    entries.push([`IMS_NET${index}_MAC`, nic.mac], [`IMS_NET${index}_ADDRESS`, nic.address]);
    if (nic.gateway !== undefined) entries.push([`IMS_NET${index}_GATEWAY`, nic.gateway]);
  }
  if (spec.dns !== undefined) entries.push(['IMS_DNS', spec.dns]);
  const keys = spec.sshKeys ?? [];
  entries.push(['IMS_SSH_KEY_COUNT', String(keys.length)]);
  for (const [index, key] of keys.entries()) entries.push([`IMS_SSH_KEY_${index + 1}`, key]);
  for (const name of Object.keys(spec.params ?? {}).sort()) {
    entries.push([`IMS_PARAM_${name}`, spec.params?.[name] ?? '']);
  }
  return entries;
}

/** bootparams.conf text for the spec. */
export function bootparams(spec: BootParamsSpec): string {
  return formatBootparams(bootparamsEntries(spec));
}

/** How the fake disk tools may find the disk. */
export type DiskMethod = 'findfs' | 'blkid-L' | 'scan';

/** The boot-parameter disk the fake tools present. */
export interface FakeDisk {
  /** bootparams.conf on the disk; the disk has no such file when undefined. */
  readonly conf: string | undefined;
  readonly label?: string;
  readonly methods?: readonly DiskMethod[];
  /** Device name findfs/blkid answer; for 'scan' a file of that name is created below $ROOT/dev. */
  readonly device?: string;
  readonly iso9660Fails?: boolean;
  readonly mountFails?: boolean;
  /** The fake mount sends SIGTERM to the script once it has mounted. */
  readonly termAfterMount?: boolean;
  readonly umountFails?: boolean;
  /** Number of findfs calls that fail before the disk shows up. */
  readonly hiddenProbes?: number;
}

/** The outcome of one run of ims-bootconfig. */
export interface GuestRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /** The 'IMS: ' lines of standard output, without the prefix. */
  readonly console: string[];
  /** Files left in TMPDIR after the run. */
  readonly tmpLeftovers: string[];
}

// The fake disk tools. They log to the same $ROOT/.ims-actions.log as the script's own fake-root
// wrappers so a test sees the order of everything, and read the disk's description from $FAKE_WORLD.
const FAKE_TOOLS: Readonly<Record<string, string>> = {
  findfs: `#!/bin/sh
echo "findfs $*" >>"$ROOT/.ims-actions.log"
w=$FAKE_WORLD
[ -f "$w/disk-label" ] && grep -qx findfs "$w/methods" || exit 1
hidden=$(cat "$w/hidden-probes" 2>/dev/null || echo 0)
if [ "$hidden" -gt 0 ]; then echo $((hidden - 1)) >"$w/hidden-probes"; exit 1; fi
[ "$1" = "LABEL=$(cat "$w/disk-label")" ] || exit 1
cat "$w/disk-device"
`,
  blkid: `#!/bin/sh
echo "blkid $*" >>"$ROOT/.ims-actions.log"
w=$FAKE_WORLD
[ -f "$w/disk-label" ] || exit 2
label=$(cat "$w/disk-label")
device=$(cat "$w/disk-device")
if [ "$1" = -L ]; then
  grep -qx blkid-L "$w/methods" && [ "$2" = "$label" ] && { echo "$device"; exit 0; }
  exit 2
fi
if grep -qx scan "$w/methods" && [ "$1" = "$device" ]; then
  printf '%s: LABEL="%s" TYPE="iso9660"\\n' "$1" "$label"
  exit 0
fi
[ -e "$1" ] && printf '%s: UUID="1234" TYPE="ext4" PARTLABEL="%s"\\n' "$1" "$label" && exit 0
exit 2
`,
  mount: `#!/bin/sh
echo "mount $*" >>"$ROOT/.ims-actions.log"
w=$FAKE_WORLD
type=
options=
while [ $# -gt 2 ]; do
  case $1 in
    -t) type=$2; shift 2 ;;
    -o) options=$2; shift 2 ;;
    *) echo "fake mount: unexpected $1" >&2; exit 1 ;;
  esac
done
[ "$options" = ro ] || { echo "fake mount: not read-only" >&2; exit 32; }
[ "$1" = "$(cat "$w/disk-device")" ] || { echo "fake mount: no such device $1" >&2; exit 32; }
[ -d "$2" ] || { echo "fake mount: no mount point $2" >&2; exit 32; }
[ -f "$w/mount-fails" ] && { echo "fake mount: I/O error" >&2; exit 32; }
if [ "$type" = iso9660 ] && [ -f "$w/iso9660-fails" ]; then echo "fake mount: wrong fs type" >&2; exit 32; fi
cp -R "$w/disk/." "$2/"
echo "$2" >"$w/mounted"
if [ -f "$w/term-after-mount" ]; then kill -TERM "$PPID"; fi
exit 0
`,
  umount: `#!/bin/sh
if cmp -s "$1/bootparams.conf" "$ROOT/etc/ims/bootparams.conf"; then copied=copied; else copied=not-copied; fi
echo "umount $* ($copied)" >>"$ROOT/.ims-actions.log"
[ "$(cat "$FAKE_WORLD/mounted" 2>/dev/null)" = "$1" ] || { echo "fake umount: $1 is not mounted" >&2; exit 32; }
[ -f "$FAKE_WORLD/umount-fails" ] && { echo "fake umount: target is busy" >&2; exit 32; }
find "$1" -mindepth 1 -delete
rm -f "$FAKE_WORLD/mounted"
`,
};

/** A fake guest root with fake disk tools, in a fresh directory under the OS temp dir. */
export class GuestSandbox {
  readonly base = mkdtempSync(join(tmpdir(), 'ims-guest-'));
  readonly root = join(this.base, 'root');
  readonly world = join(this.base, 'world');
  readonly bin = join(this.base, 'bin');
  readonly tmp = join(this.base, 'tmp');
  /** A file hostile input would create if it were ever executed. */
  readonly marker = join(this.base, 'PWNED');

  constructor() {
    for (const dir of [this.root, this.world, this.bin, this.tmp]) mkdirSync(dir, { recursive: true });
    for (const [name, script] of Object.entries(FAKE_TOOLS)) this.addTool(name, script);
  }

  /** Presents a boot-parameter disk to the fake tools. */
  provideDisk(disk: FakeDisk): void {
    const diskDir = join(this.world, 'disk');
    rmSync(diskDir, { recursive: true, force: true });
    mkdirSync(diskDir);
    if (disk.conf !== undefined) writeFileSync(join(diskDir, 'bootparams.conf'), disk.conf);
    writeFileSync(join(diskDir, 'meta-data'), 'instance-id: web-1\n');
    const methods = disk.methods ?? ['findfs'];
    let device = disk.device ?? '/dev/vdb';
    if (methods.includes('scan')) {
      device = join(this.root, 'dev', disk.device ?? 'vdb');
      this.writeFile(`/dev/${disk.device ?? 'vdb'}`, '');
    }
    writeFileSync(join(this.world, 'disk-label'), disk.label ?? 'cidata');
    writeFileSync(join(this.world, 'disk-device'), device);
    writeFileSync(join(this.world, 'methods'), `${methods.join('\n')}\n`);
    this.setFlag('iso9660-fails', disk.iso9660Fails === true);
    this.setFlag('mount-fails', disk.mountFails === true);
    this.setFlag('term-after-mount', disk.termAfterMount === true);
    this.setFlag('umount-fails', disk.umountFails === true);
    if (disk.hiddenProbes !== undefined)
      writeFileSync(join(this.world, 'hidden-probes'), String(disk.hiddenProbes));
  }

  /** Takes the disk away (the guest reboots without it). */
  removeDisk(): void {
    rmSync(join(this.world, 'disk-label'), { force: true });
  }

  /** The device path the fake tools report for the disk. */
  diskDevice(): string {
    return readFileSync(join(this.world, 'disk-device'), 'utf8');
  }

  /** Adds a network interface to the fake sysfs. */
  addInterface(name: string, mac: string): void {
    this.writeFile(`/sys/class/net/${name}/address`, `${mac}\n`);
  }

  /** Writes a file below the fake root, creating its directories. */
  writeFile(guestPath: string, content: string | Buffer, mode = 0o644): void {
    const path = this.path(guestPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    chmodSync(path, mode);
  }

  /** Adds a hook to /etc/ims/boot.d/. */
  addHook(name: string, script: string, executable = true): void {
    this.writeFile(`/etc/ims/boot.d/${name}`, script, executable ? 0o755 : 0o644);
  }

  /** Puts an executable on the PATH the script runs with, ahead of the system's. */
  addTool(name: string, script: string): void {
    const path = join(this.bin, name);
    writeFileSync(path, script);
    chmodSync(path, 0o755);
  }

  /** Path of a guest file in the fake root. */
  path(guestPath: string): string {
    return join(this.root, guestPath);
  }

  /** Content of a guest file. */
  read(guestPath: string): string {
    return readFileSync(this.path(guestPath), 'utf8');
  }

  /** Permission bits of a guest file or directory. */
  mode(guestPath: string): number {
    return lstatSync(this.path(guestPath)).mode & 0o7777;
  }

  /** True when the guest file exists. */
  exists(guestPath: string): boolean {
    return existsSync(this.path(guestPath));
  }

  /** Lines of $ROOT/.ims-actions.log, with the random mount point replaced by <mnt>. */
  actions(): string[] {
    const log = this.path('/.ims-actions.log');
    if (!existsSync(log)) return [];
    return readFileSync(log, 'utf8')
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => line.replace(/\S*\/ims-cidata\.\w+/g, '<mnt>'));
  }

  /** Runs ims-bootconfig on the fake root under the shell. */
  run(shell: GuestShell, env: Readonly<Record<string, string>> = {}, script = BOOTCONFIG): GuestRun {
    const result = spawnSync(shell.argv[0], [...shell.argv.slice(1), script], {
      cwd: this.base,
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: [this.bin, ...SYSTEM_PATH].join(':'),
        ROOT: this.root,
        TMPDIR: this.tmp,
        FAKE_WORLD: this.world,
        ...env,
      },
    });
    if (result.error) throw result.error;
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      console: result.stdout
        .split('\n')
        .filter((line) => line.startsWith('IMS: '))
        .map((line) => line.slice('IMS: '.length)),
      tmpLeftovers: readdirSync(this.tmp),
    };
  }

  /** Every file, directory and symlink of the fake root with its mode and content, but the action log. */
  snapshot(): Record<string, string> {
    const entries: Record<string, string> = {};
    const walk = (dir: string, rel: string): void => {
      for (const name of readdirSync(dir).sort()) {
        const path = join(dir, name);
        const relPath = `${rel}/${name}`;
        if (relPath === '/.ims-actions.log') continue;
        const stat = lstatSync(path);
        const mode = (stat.mode & 0o7777).toString(8);
        if (stat.isSymbolicLink()) entries[relPath] = `link ${readlinkSync(path)}`;
        else if (stat.isDirectory()) {
          entries[relPath] = `dir ${mode}`;
          walk(path, relPath);
        } else entries[relPath] = `file ${mode} ${readFileSync(path, 'base64')}`;
      }
    };
    walk(this.root, '');
    return entries;
  }

  /** Removes the sandbox. */
  dispose(): void {
    rmSync(this.base, { recursive: true, force: true });
  }

  private setFlag(name: string, on: boolean): void {
    const path = join(this.world, name);
    if (on) writeFileSync(path, '');
    else rmSync(path, { force: true });
  }
}
