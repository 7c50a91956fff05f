/**
 * The simulator's records as wire objects for `soap`'s serializer. Keys are inserted in the
 * types' field order (the serializer keeps insertion order); `undefined` leaves an element out.
 */
import { statfsSync } from 'node:fs';
import { CPU_MHZ, DOM0_MEMORY_MIB, HOST_CPUS, HOST_MEMORY_MIB, POOL_ID, SERVER_ID } from './host-figures.js';
import type { ManagerSettings, SimulatedTemplate, SimulatedVm } from './model-types.js';
import { templateStateCode, vmStateCode } from './vm-states.js';
import { xmlEscape } from './xml-escape.js';

/** A wire object: field name → scalar, nested object or array. */
export type WireObject = { [field: string]: WireValue };
/** A wire value. */
export type WireValue = string | number | boolean | undefined | WireObject | WireValue[];

/**
 * A `lit:map` value: `lit:mapEntry` elements with `lit:key` / `lit:value`. Written as raw XML
 * because `soap`'s serializer would put them in the parent's namespace.
 */
function literalMap(entries: readonly (readonly [string, string])[]): WireObject {
  return {
    $xml: entries
      .map(
        ([k, v]) =>
          `<lit:mapEntry><lit:key>${xmlEscape(k)}</lit:key><lit:value>${xmlEscape(v)}</lit:value></lit:mapEntry>`,
      )
      .join(''),
  };
}

/** A `lit:list` value: `lit:item` elements (raw XML, see {@link literalMap}). */
function literalList(items: readonly string[]): WireObject {
  return { $xml: items.map((item) => `<lit:item>${xmlEscape(item)}</lit:item>`).join('') };
}

/** `ServerPool` of the simulator's one pool. */
export function serverPoolWire(settings: ManagerSettings): WireObject {
  return {
    haEnable: false,
    // modelled: description and status text
    description: 'Simulated server pool',
    status: 'Active',
    serverPoolId: POOL_ID,
    serverPoolName: settings.poolName,
    serverPoolVirtualIP: undefined,
  };
}

function runningMemoryMiB(vms: readonly SimulatedVm[]): number {
  return vms.filter((vm) => vm.domId !== null).reduce((sum, vm) => sum + vm.memoryMiB, 0);
}

function diskMiB(path: string): { total: number; free: number } {
  try {
    const s = statfsSync(path);
    return {
      total: Math.floor((s.blocks * s.bsize) / 2 ** 20),
      free: Math.floor((s.bavail * s.bsize) / 2 ** 20),
    };
  } catch {
    return { total: 0, free: 0 };
  }
}

/** `VirtualServer` (also `MasterVirtualServer`) of the pool master. */
export function virtualServerWire(settings: ManagerSettings, vms: readonly SimulatedVm[]): WireObject {
  const disk = diskMiB(settings.ovsRoot);
  return {
    comments: '',
    platform: 'x86_64',
    // modelled: memory and disk figures in MiB
    memAmount: HOST_MEMORY_MIB,
    supportHVM: 'true',
    serverType: 'Server Pool Master,Utility Server,Virtual Machine Server',
    loginUsername: undefined,
    status: 'Active',
    serverTypeDisplay: 'Server Pool Master, Utility Server, Virtual Machine Server',
    memFree: HOST_MEMORY_MIB - DOM0_MEMORY_MIB - runningMemoryMiB(vms),
    serverId: SERVER_ID,
    // modelled: vmList is sent empty
    vmList: literalList([]),
    serverPool: serverPoolWire(settings),
    architecture: 'x86_64',
    hdAmount: disk.total,
    // Passwords are never sent.
    loginPassword: undefined,
    agentPwd: undefined,
    serverName: settings.masterIp,
    location: '',
    ip: settings.masterIp,
    cpuNum: HOST_CPUS,
    hdFree: disk.free,
  };
}

/** `VirtualServerMetrics` of the pool master. */
export function virtualServerMetricsWire(settings: ManagerSettings, vms: readonly SimulatedVm[]): WireObject {
  const disk = diskMiB(settings.ovsRoot);
  return {
    freeDiskSpace: disk.free,
    virtualServerID: SERVER_ID,
    cpuSpeedMHZ: CPU_MHZ,
    freeMemory: HOST_MEMORY_MIB - DOM0_MEMORY_MIB - runningMemoryMiB(vms),
    allocatedVCpu: vms.filter((vm) => vm.domId !== null).reduce((sum, vm) => sum + vm.cpus, 0),
    totalMemory: HOST_MEMORY_MIB,
    numOfPhysicalCPU: HOST_CPUS,
    virtualServerName: settings.masterIp,
    // modelled: cpuUtil maps the CPU number to its utilisation in percent
    cpuUtil: literalMap(Array.from({ length: HOST_CPUS }, (_, i) => [String(i), '2.0'] as const)),
  };
}

interface VmWireFields {
  name: string;
  imgId: number;
  status: { code: number; status: string };
  memoryMiB: number;
  cpus: number;
  createTime: number;
  parentImg: number;
  location: string;
  uuid: string;
  imgIp: string;
  poweronTime: number;
  vncPort: number;
  vmType: 'PVM' | 'HVM';
}

function virtualMachineWire(f: VmWireFields): WireObject {
  return {
    imgName: f.name,
    comments: '',
    imgId: f.imgId,
    // modelled: bootDevice / publish / deploy / operatingSystemName / keyboardLayout values
    bootDevice: { bootDevice: 'HDD' },
    imgSize: undefined,
    // Passwords are never sent.
    vncPassword: undefined,
    maximumMemory: f.memoryMiB,
    publish: 'Private',
    cpuNumber: f.cpus,
    haEnable: false,
    uuid: f.uuid,
    operatingSystemName: 'Other Linux',
    createTime: f.createTime,
    parentImg: f.parentImg,
    systemPassword: undefined,
    location: f.location,
    memory: f.memoryMiB,
    systemLogin: undefined,
    platform: 'x86_64',
    deploy: 'Deployed',
    status: { code: f.status.code, status: f.status.status, vmId: f.imgId },
    vncPort: f.vncPort,
    imgIp: f.imgIp,
    poweronTime: f.poweronTime,
    architecture: 'x86_64',
    virtualMachineType: { vmType: f.vmType },
    keyboardLayout: 'en-us',
    pvdriver: f.vmType === 'PVM',
    cpuCap: undefined,
    cpuPriority: undefined,
  };
}

/** `VirtualMachine` of a VM. */
export function vmWire(vm: SimulatedVm): WireObject {
  return virtualMachineWire({
    name: vm.name,
    imgId: vm.imgId,
    // modelled: VmStatus.status is the state name, code its index (contract "Modelled values")
    status: { code: vmStateCode(vm.status), status: vm.status },
    memoryMiB: vm.memoryMiB,
    cpus: vm.cpus,
    createTime: vm.createTime,
    parentImg: vm.parentImgId,
    location: vm.location,
    uuid: vm.uuid,
    imgIp: vm.imgIp,
    poweronTime: vm.poweronTime,
    // modelled: VNC port 5900 + domain id while the VM has a domain, else -1
    vncPort: vm.domId === null ? -1 : 5900 + vm.domId,
    vmType: vm.vmType,
  });
}

/** `VirtualMachine` of a registered template (getAllTemplateResources, registerTemplate). */
export function templateWire(template: SimulatedTemplate): WireObject {
  return virtualMachineWire({
    name: template.name,
    imgId: template.imgId,
    status: { code: templateStateCode(template.status), status: template.status },
    memoryMiB: template.memoryMiB,
    cpus: template.cpus,
    createTime: template.createTime,
    parentImg: 0,
    location: template.name,
    uuid: '',
    imgIp: '',
    poweronTime: 0,
    vncPort: -1,
    vmType: template.vmType,
  });
}
