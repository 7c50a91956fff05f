/** The operation handlers `soap` dispatches to: request arguments in, wire objects (or a fault) out. */
import { OvmFault, otherFailure, soapFaultOf } from './faults.js';
import type { ManagerModel, PowerOperation } from './manager-model.js';
import {
  serverPoolWire,
  templateWire,
  virtualServerMetricsWire,
  virtualServerWire,
  vmWire,
  type WireValue,
} from './wire-values.js';
import { portNameOf } from './wsdl.js';

/** Request arguments as `soap` parsed them. */
type Args = Record<string, unknown> | null | undefined;
/** An operation's result: `undefined` for void operations. */
type Result = WireValue | { many: WireValue[] };
/** A handler in the shape `soap` calls. */
type SoapHandler = (args: Args) => Promise<Record<string, unknown>>;
/** The services map `soap.listen` takes. */
export type SoapServices = Record<string, Record<string, Record<string, SoapHandler>>>;

function field(args: Args, name: string): unknown {
  return args === null || args === undefined ? undefined : args[name];
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

function integer(value: unknown): number | undefined {
  const t = text(value);
  if (t === undefined || t.trim() === '') return undefined;
  const n = Number(t);
  return Number.isInteger(n) ? n : undefined;
}

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

function many(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function requireText(args: Args, name: string): string {
  const value = text(field(args, name));
  if (value === undefined) throw otherFailure(`Missing parameter ${name}`);
  return value;
}

function imgIdOf(args: Args, name: string): number {
  const id = integer(record(field(args, name))?.imgId);
  if (id === undefined) throw otherFailure(`Parameter ${name} has no imgId`);
  return id;
}

function poolNameOf(args: Args, name: string): string | undefined {
  return text(record(field(args, name))?.serverPoolName);
}

function wrap(run: (args: Args) => Promise<Result> | Result): SoapHandler {
  return async (args) => {
    let result: Result;
    try {
      result = await run(args);
    } catch (error) {
      if (error instanceof OvmFault) throw soapFaultOf(error.message);
      throw soapFaultOf(otherFailure(`Internal simulator error: ${(error as Error).message}`).message);
    }
    if (result === undefined) return {};
    if (
      typeof result === 'object' &&
      !Array.isArray(result) &&
      'many' in result &&
      Array.isArray(result.many)
    ) {
      return result.many.length === 0 ? {} : { result: result.many };
    }
    return { result };
  };
}

const POWER_OPS: readonly PowerOperation[] = [
  'powerOn',
  'powerOff',
  'shutdown',
  'suspend',
  'resume',
  'pause',
  'unpause',
  'reboot',
];

/** The handlers of the four services over `model`. */
export function createSoapServices(model: ManagerModel): SoapServices {
  const settings = model.settings;
  const serverPool: Record<string, SoapHandler> = {
    getAllServerPools: wrap(() => ({ many: [serverPoolWire(settings)] })),
    getServerPoolByName: wrap((a) => {
      model.requirePool(text(field(a, 'poolName')));
      return serverPoolWire(settings);
    }),
    getMasterServer: wrap((a) => {
      model.requirePool(poolNameOf(a, 'serverPool'));
      return virtualServerWire(settings, model.vms());
    }),
    getAllMembers: wrap((a) => {
      model.requirePool(poolNameOf(a, 'serverPool'));
      return { many: [virtualServerWire(settings, model.vms())] };
    }),
    getVirtualServerMetrics: wrap((a) => {
      const ids = many(field(a, 'virtualServerIDList')).map(integer);
      // modelled: unknown server ids are skipped
      return { many: ids.includes(1) ? [virtualServerMetricsWire(settings, model.vms())] : [] };
    }),
    // modelled: the agent version string (contract)
    getAgentVersion: wrap(() => '2.2-simulated'),
  };

  const virtualMachine: Record<string, SoapHandler> = {
    getVMByName: wrap((a) => {
      model.requirePool(text(field(a, 'serverPoolName')));
      return vmWire(model.vmByName(requireText(a, 'name')));
    }),
    getVM: wrap((a) => vmWire(model.vmById(imgIdOf(a, 'vm')))),
    getAllVMs: wrap((a) => {
      model.requirePool(poolNameOf(a, 'serverPool'));
      return { many: model.vms().map(vmWire) };
    }),
    // modelled: every VM runs on the one server
    getAllVMs2: wrap(() => ({ many: model.vms().map(vmWire) })),
    getRealPath: wrap((a) => model.vmById(imgIdOf(a, 'vm')).dir),
    deleteVMByVMId: wrap(async (a) => {
      const id = integer(field(a, 'vmId'));
      if (id === undefined) throw otherFailure('Missing parameter vmId');
      await model.deleteVm(id);
      return undefined;
    }),
  };
  for (const op of POWER_OPS) {
    virtualMachine[op] = wrap(async (a) => vmWire(await model.power(op, imgIdOf(a, 'vm'))));
  }

  const lifecycle: Record<string, SoapHandler> = {
    createVmBasedOnTemplate: wrap((a) => {
      const config = record(field(a, 'templateVmConfig'));
      model.requirePool(text(record(config?.serverPool)?.serverPoolName));
      const templateName = text(config?.templateName);
      const vmName = text(config?.vmName);
      if (templateName === undefined || vmName === undefined) {
        throw otherFailure('templateVmConfig needs templateName and vmName');
      }
      const memory = integer(config?.memory);
      const cpus = integer(config?.cpuNumber);
      // modelled: vif.mac is ignored for templates; the bridge of the first vif is used only when the template has no vif
      const bridge = text(record(many(config?.vif)[0])?.bridge) ?? 'xenbr0';
      const vm = model.createVm({
        templateName,
        vmName,
        bridge,
        ...(memory !== undefined && memory > 0 ? { memoryMiB: memory } : {}),
        ...(cpus !== undefined && cpus > 0 ? { cpus } : {}),
      });
      return vmWire(vm);
    }),
  };

  const resource: Record<string, SoapHandler> = {
    getAllDiscoverableTemplates: wrap(async (a) => {
      model.requirePool(text(field(a, 'serverPoolName')));
      return { many: await model.templates.discoverable() };
    }),
    registerTemplate: wrap(async (a) => {
      model.requirePool(text(field(a, 'serverPoolName')));
      return templateWire(await model.templates.register(requireText(a, 'templateName')));
    }),
    approveTemplate: wrap((a) => {
      model.requirePool(text(field(a, 'serverPoolName')));
      model.templates.approve(requireText(a, 'templateName'));
      return undefined;
    }),
    getAllTemplateResources: wrap((a) => {
      model.requirePool(text(field(a, 'serverPoolName')));
      return { many: model.templates.list().map(templateWire) };
    }),
    deleteTemplate: wrap(async (a) => {
      model.requirePool(text(field(a, 'serverPoolName')));
      await model.templates.delete(requireText(a, 'templateName'));
      return undefined;
    }),
    // modelled: present in the WSDL only (contract)
    importTemplateFromUrl: wrap(() => {
      throw otherFailure('importTemplateFromUrl is not supported by the simulator');
    }),
  };

  const byService: Record<string, Record<string, SoapHandler>> = {
    ServerPoolService: serverPool,
    VirtualMachineService: virtualMachine,
    LifecycleService: lifecycle,
    ResourceService: resource,
  };
  return Object.fromEntries(
    Object.entries(byService).map(([service, ops]) => [service, { [portNameOf(service)]: ops }]),
  );
}
