/**
 * The address a guest really has, as the Manager reports it (`imgIp`, which the guest writes
 * through xenstore). The Manager gives no prefix length: it is taken from the static address
 * the VM was booted with when that is the same address, else 32.
 */
import { isIP } from 'node:net';
import { posix } from 'node:path';
import { assertValidName, type GuestAddress } from '@ims/spi';
import type { OvmEnv } from './env.js';
import type { OvmVirtualMachine } from './manager/types.js';
import { vifMacs } from './vm-cfg.js';
import { lookupVm } from './vms.js';

/** The guest's reported addresses on its first NIC; `[]` while it reports none. */
export async function getAddresses(env: OvmEnv, name: string): Promise<GuestAddress[]> {
  assertValidName('vm', name);
  const vm = await lookupVm(env, name);
  const reported = reportedAddresses(vm.ip);
  if (reported.length === 0) return [];
  const record = await env.records.get(name);
  const mine = record?.imgId === vm.imgId ? record : undefined;
  const mac = mine?.macs[0] ?? (await firstVifMac(env, vm));
  if (mac === undefined) return [];
  return reported.map((address) => {
    const booted = mine?.bootAddresses?.[mac];
    const prefix = booted?.address === address ? booted.prefix : isIP(address) === 6 ? 128 : 32;
    return { mac, address, prefix, source: 'manager' };
  });
}

/** The addresses in an `imgIp` value (one, or several separated by commas or spaces). */
export function reportedAddresses(imgIp: string): string[] {
  return imgIp
    .split(/[\s,;]+/)
    .map((part) => part.trim())
    .filter((part) => isIP(part) !== 0);
}

/** The MAC of the first vif in the VM's vm.cfg (for VMs this configuration did not make). */
async function firstVifMac(env: OvmEnv, vm: OvmVirtualMachine): Promise<string | undefined> {
  const file = posix.join(await env.manager.realPath(vm), 'vm.cfg');
  return vifMacs((await env.dom0.readFile(file)).toString('utf8'))[0];
}
