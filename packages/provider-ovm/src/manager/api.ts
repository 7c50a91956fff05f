/**
 * The OVM Manager operations the provider uses, typed. Names and parameters follow the wire
 * contract (notes/ovm-wire.md); complex values received are passed back exactly as they came.
 */
import { ImsError } from '@ims/spi';
import type { SoapClient } from '../soap/client.js';
import { echo, scalar, struct } from '../soap/envelope.js';
import type { XmlNode } from '../soap/xml-reader.js';
import {
  decodeServerPool,
  decodeVirtualMachine,
  decodeVirtualServer,
  type OvmVirtualMachine,
  type ServerPool,
  type VirtualServer,
} from './types.js';

/** The power operations of VirtualMachineService (modelled names), each `(vm) → VirtualMachine`. */
export type PowerOperation =
  | 'powerOn'
  | 'powerOff'
  | 'shutdown'
  | 'suspend'
  | 'resume'
  | 'pause'
  | 'unpause'
  | 'reboot';

/** What `createVmBasedOnTemplate` is asked for. */
export interface TemplateVmRequest {
  /** The pool to place the VM in. */
  pool: ServerPool;
  /** The template's name. */
  templateName: string;
  /** The VM's name. */
  vmName: string;
  /** Memory in MiB. */
  memoryMiB: number;
  /** Virtual CPUs. */
  cpus: number;
  /** The NICs: a MAC (which the Manager ignores for templates) and a bridge each. */
  nics: readonly { mac?: string; bridge: string }[];
}

/** Typed access to the OVM Manager web services. */
export class OvmManager {
  readonly #soap: SoapClient;

  /** @param soap the client the calls go through */
  constructor(soap: SoapClient) {
    this.#soap = soap;
  }

  /** The endpoint of a service, for messages. */
  endpoint(): string {
    return this.#soap.endpoint('ServerPoolService');
  }

  /** `getServerPoolByName`. */
  async serverPool(name: string): Promise<ServerPool> {
    const [result] = await this.#soap.call(
      'ServerPoolService',
      'getServerPoolByName',
      [scalar('poolName', name)],
      {
        readOnly: true,
      },
    );
    return decodeServerPool(one(result, 'getServerPoolByName'));
  }

  /** `getMasterServer`. */
  async masterServer(pool: ServerPool): Promise<VirtualServer> {
    const [result] = await this.#soap.call(
      'ServerPoolService',
      'getMasterServer',
      [echo('serverPool', pool.raw)],
      {
        readOnly: true,
      },
    );
    return decodeVirtualServer(one(result, 'getMasterServer'));
  }

  /** `getAgentVersion`. */
  async agentVersion(server: VirtualServer): Promise<string> {
    const [result] = await this.#soap.call(
      'ServerPoolService',
      'getAgentVersion',
      [scalar('serverId', server.id)],
      {
        readOnly: true,
      },
    );
    return result?.text.trim() ?? '';
  }

  /** `getVMByName`; fails with `IMS_VM_NOT_FOUND` (OVM-1001) when the pool has no such VM. */
  async vmByName(poolName: string, name: string): Promise<OvmVirtualMachine> {
    const [result] = await this.#soap.call(
      'VirtualMachineService',
      'getVMByName',
      [scalar('serverPoolName', poolName), scalar('name', name)],
      { readOnly: true },
    );
    return decodeVirtualMachine(one(result, 'getVMByName'));
  }

  /** `getVM`: the current state of a VM already looked up; `uncancellable` for clean-ups. */
  async refresh(vm: OvmVirtualMachine, uncancellable = false): Promise<OvmVirtualMachine> {
    const [result] = await this.#soap.call('VirtualMachineService', 'getVM', [echo('vm', vm.raw)], {
      readOnly: true,
      uncancellable,
    });
    return decodeVirtualMachine(one(result, 'getVM'));
  }

  /** `getAllVMs` of a pool. */
  async allVms(pool: ServerPool): Promise<OvmVirtualMachine[]> {
    const results = await this.#soap.call(
      'VirtualMachineService',
      'getAllVMs',
      [echo('serverPool', pool.raw)],
      {
        readOnly: true,
      },
    );
    return results.map(decodeVirtualMachine);
  }

  /** `getRealPath`: the VM's directory on dom0. */
  async realPath(vm: OvmVirtualMachine): Promise<string> {
    const [result] = await this.#soap.call('VirtualMachineService', 'getRealPath', [echo('vm', vm.raw)], {
      readOnly: true,
    });
    const path = result?.text.trim() ?? '';
    if (!path.startsWith('/')) {
      throw new ImsError(
        'IMS_PROVIDER_ERROR',
        `The OVM Manager gave ${JSON.stringify(path)} as the directory of VM ${vm.name}.`,
        {
          hint: 'Check the VM in the OVM Manager console.',
          details: { vm: vm.name },
        },
      );
    }
    return path;
  }

  /** One power operation; returns the VM as the Manager reports it right after. `uncancellable` for clean-ups. */
  async power(
    operation: PowerOperation,
    vm: OvmVirtualMachine,
    uncancellable = false,
  ): Promise<OvmVirtualMachine> {
    const [result] = await this.#soap.call('VirtualMachineService', operation, [echo('vm', vm.raw)], {
      readOnly: false,
      uncancellable,
    });
    return result === undefined ? vm : decodeVirtualMachine(result);
  }

  /** `deleteVMByVMId`; `uncancellable` for clean-ups. */
  async deleteVm(vm: OvmVirtualMachine, uncancellable = false): Promise<void> {
    await this.#soap.call('VirtualMachineService', 'deleteVMByVMId', [scalar('vmId', vm.imgId)], {
      readOnly: false,
      uncancellable,
    });
  }

  /** `createVmBasedOnTemplate`: starts the copy and returns the new VM (status CREATING). */
  async createFromTemplate(request: TemplateVmRequest): Promise<OvmVirtualMachine> {
    const config = struct(
      'templateVmConfig',
      echo('serverPool', request.pool.raw),
      ...request.nics.map((nic) => struct('vif', scalar('mac', nic.mac), scalar('bridge', nic.bridge))),
      scalar('templateName', request.templateName),
      scalar('vmName', request.vmName),
      scalar('memory', request.memoryMiB),
      scalar('cpuNumber', request.cpus),
    );
    const [result] = await this.#soap.call('LifecycleService', 'createVmBasedOnTemplate', [config], {
      readOnly: false,
    });
    return decodeVirtualMachine(one(result, 'createVmBasedOnTemplate'));
  }

  /** `getAllTemplateResources`: registered templates, pending or active. */
  async templates(poolName: string): Promise<OvmVirtualMachine[]> {
    const results = await this.#soap.call(
      'ResourceService',
      'getAllTemplateResources',
      [scalar('serverPoolName', poolName)],
      { readOnly: true },
    );
    return results.map(decodeVirtualMachine);
  }

  /** `registerTemplate` (modelled name): registers a seed_pool directory as a pending template. */
  async registerTemplate(poolName: string, templateName: string): Promise<void> {
    await this.#soap.call('ResourceService', 'registerTemplate', templateParams(poolName, templateName), {
      readOnly: false,
    });
  }

  /** `approveTemplate`: pending → active. */
  async approveTemplate(poolName: string, templateName: string): Promise<void> {
    await this.#soap.call('ResourceService', 'approveTemplate', templateParams(poolName, templateName), {
      readOnly: false,
    });
  }

  /** `deleteTemplate`: unregisters the template and removes its seed_pool directory; `uncancellable` for clean-ups. */
  async deleteTemplate(poolName: string, templateName: string, uncancellable = false): Promise<void> {
    await this.#soap.call('ResourceService', 'deleteTemplate', templateParams(poolName, templateName), {
      readOnly: false,
      uncancellable,
    });
  }
}

function templateParams(poolName: string, templateName: string) {
  return [scalar('serverPoolName', poolName), scalar('templateName', templateName)];
}

function one(result: XmlNode | undefined, operation: string): XmlNode {
  if (result !== undefined) return result;
  throw new ImsError('IMS_PROVIDER_ERROR', `The OVM Manager answered ${operation} without a result.`, {
    hint: 'Check that managerUrl points at an Oracle VM Manager 2.2.',
    details: { operation },
  });
}
