/** Creating a VM from a template: copy the seed_pool directory and rewrite the copy's vm.cfg. */
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { randomXenMac } from './mac.js';
import { type CfgValue, cfgValue, setCfgValue } from './vm-cfg.js';

/** What changes in the copied vm.cfg. */
export interface VmCfgRewrite {
  /** The new domain name (the running_pool directory name). */
  domainName: string;
  /** The VM's running_pool directory: disk files are pointed there. */
  vmDir: string;
  /** A new UUID (replaces `uuid` when the template has one). */
  uuid: string;
  /** Memory in MiB, when the request set one. */
  memoryMiB?: number;
  /** Virtual CPUs, when the request set them. */
  cpus?: number;
  /** Bridge for a vif added to a template without one. */
  bridge: string;
}

/** The template's vm.cfg rewritten for the new VM; every line not named here is kept as it is. */
export function rewriteVmCfg(text: string, change: VmCfgRewrite): string {
  // modelled: the domain name is `<imgId>_<name>` (contract "Xen domain name ... = its location")
  let out = setCfgValue(text, 'name', change.domainName);
  const disks = cfgValue(out, 'disk');
  if (Array.isArray(disks))
    out = setCfgValue(
      out,
      'disk',
      disks.map((d) => relocateDisk(d, change.vmDir)),
    );
  // modelled: the Manager writes a random 00:16:3e MAC into every vif of the copy (contract)
  const vifs = cfgValue(out, 'vif');
  out = Array.isArray(vifs)
    ? setCfgValue(
        out,
        'vif',
        vifs.map((v) => (typeof v === 'string' ? withMac(v) : v)),
      )
    : setCfgValue(out, 'vif', [`mac=${randomXenMac()}, bridge=${change.bridge}`]);
  if (cfgValue(out, 'uuid') !== undefined) out = setCfgValue(out, 'uuid', change.uuid);
  if (change.memoryMiB !== undefined) {
    out = setCfgValue(out, 'memory', change.memoryMiB);
    if (cfgValue(out, 'maxmem') !== undefined) out = setCfgValue(out, 'maxmem', change.memoryMiB);
  }
  if (change.cpus !== undefined) out = setCfgValue(out, 'vcpus', change.cpus);
  return out;
}

function withMac(entry: string): string {
  const mac = randomXenMac();
  if (/(?:^|,)\s*mac\s*=/.test(entry)) return entry.replace(/((?:^|,)\s*mac\s*=\s*)[^,\s]*/, `$1${mac}`);
  return entry.trim() === '' ? `mac=${mac}` : `mac=${mac}, ${entry.trim()}`;
}

function relocateDisk(entry: CfgValue, vmDir: string): CfgValue {
  if (typeof entry !== 'string') return entry;
  const [first = '', ...rest] = entry.split(',');
  const match = /^(\s*)(file:|tap:[a-z0-9]+:)(.+)$/.exec(first);
  if (match === null) return entry;
  const [, lead = '', kind = '', path = ''] = match;
  return [`${lead}${kind}${join(vmDir, basename(path.trim()))}`, ...rest].join(',');
}

/** Copies the template directory to `vmDir` and rewrites its vm.cfg; removes the copy on failure. */
export async function copyTemplate(templateDir: string, vmDir: string, change: VmCfgRewrite): Promise<void> {
  try {
    await cp(templateDir, vmDir, { recursive: true, errorOnExist: true, force: false });
    const cfgPath = join(vmDir, 'vm.cfg');
    await writeFile(cfgPath, rewriteVmCfg(await readFile(cfgPath, 'utf8'), change));
  } catch (error) {
    await rm(vmDir, { recursive: true, force: true });
    throw error;
  }
}
