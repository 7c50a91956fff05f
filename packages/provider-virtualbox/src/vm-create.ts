/**
 * Creating a VM: a linked clone of the template VM's base snapshot (seconds, whatever the
 * template's size), then its size and NICs, then the record that makes it this configuration's.
 */
import { ImsError, isImsError, type VmCreated, type VmSpec } from '@ims/spi';
import { forCleanup, type ProviderEnv } from './env.js';
import { generateMac, macForVBox, normalizeMac } from './mac.js';
import { findVm, listRegistered, showVm } from './machines.js';
import { assertVmName, BASE_SNAPSHOT } from './names.js';
import { parseCloneOutput } from './parse/outputs.js';
import type { TemplateRecord, VmRecord } from './records.js';
import { assertSafeVmFolder } from './vm-folder.js';

/** NIC slots `modifyvm --nicN` takes on every VirtualBox version and chipset. */
const MAX_NICS = 4;

/** Creates a stopped VM from a template. */
export async function createVm(env: ProviderEnv, spec: VmSpec): Promise<VmCreated> {
  const name = assertVmName(spec.name);
  assertSafeVmFolder(env.vmFolder, env.context.configName);
  const macs = macsOf(spec);
  const template = await env.records.templates.get(spec.template);
  if (template === undefined) throw templateNotFound(spec.template);
  const registered = await listRegistered(env);
  if (!registered.some((v) => v.uuid === template.uuid)) {
    throw templateNotFound(spec.template, `its VM ${template.vm} is no longer registered in VirtualBox`);
  }
  if (registered.some((v) => v.name === name)) throw vmExists(env, name);

  await clone(env, template, name);
  try {
    const args = ['modifyvm', name, '--memory', String(spec.memoryMiB), '--cpus', String(spec.cpus)];
    for (const [index, mac] of macs.entries()) {
      const slot = index + 1;
      args.push(
        `--nic${slot}`,
        'nat',
        `--nictype${slot}`,
        env.config.nicType,
        `--macaddress${slot}`,
        macForVBox(mac),
      );
    }
    await env.vbox.run(args, { vm: name });
    const info = await showVm(env, name);
    const record: VmRecord = {
      version: 1,
      name,
      uuid: info.uuid,
      template: spec.template,
      macs,
      memoryMiB: spec.memoryMiB,
      cpus: spec.cpus,
      createdAt: new Date(env.context.clock.now()).toISOString(),
    };
    await env.records.vms.put(record);
  } catch (error) {
    await env.cleanupVbox.run(['unregistervm', name, '--delete'], { vm: name }).catch((cleanup) =>
      env.context.logger.warn('could not remove the half-made VM', {
        vm: name,
        error: cleanup instanceof Error ? cleanup.message : String(cleanup),
      }),
    );
    throw error;
  }
  env.context.logger.info('VM created', { vm: name, template: spec.template, macs });
  return { macs };
}

async function clone(env: ProviderEnv, template: TemplateRecord, name: string): Promise<void> {
  const source = template.vm;
  const args = ['clonevm', source, '--snapshot', BASE_SNAPSHOT, '--options', 'link', '--name', name];
  args.push('--basefolder', env.vmFolder, '--register');
  try {
    const outcome = await env.vbox.run(args, { vm: source });
    if (parseCloneOutput(outcome.stdout) !== name) {
      env.context.logger.warn('clonevm did not confirm the clone', {
        vm: name,
        stdout: outcome.stdout.slice(0, 200),
      });
    }
  } catch (error) {
    // Someone registered the name, or left its folder, since we looked.
    if (isImsError(error) && /already exists/i.test(String(error.details.vboxMessage ?? ''))) {
      throw vmExists(env, name, error);
    }
    if (isImsError(error) && error.code === 'IMS_VM_NOT_FOUND') {
      throw templateNotFound(template.name, `its VM ${source} or snapshot ${BASE_SNAPSHOT} is gone`, error);
    }
    // A clone VirtualBox registered before failing (or before it was cancelled) is not ours to keep.
    if ((await findVm(forCleanup(env), name).catch(() => undefined)) !== undefined) {
      await env.cleanupVbox
        .run(['unregistervm', name, '--delete'], { vm: name, allowFailure: true })
        .catch(() => {});
    }
    throw error;
  }
}

function macsOf(spec: VmSpec): string[] {
  if (spec.nics.length < 1 || spec.nics.length > MAX_NICS) {
    throw new ImsError(
      'IMS_INVALID_ARGUMENT',
      `VM ${spec.name} asks for ${spec.nics.length} NICs; the VirtualBox provider gives a VM 1 to ${MAX_NICS}.`,
      {
        hint: `Create the VM with 1 to ${MAX_NICS} NICs.`,
        details: { vm: spec.name, nics: spec.nics.length },
      },
    );
  }
  const macs = spec.nics.map((nic) => (nic.mac === undefined ? generateMac() : normalizeMac(nic.mac)));
  if (new Set(macs).size !== macs.length) {
    throw new ImsError('IMS_INVALID_ARGUMENT', `VM ${spec.name} would have two NICs with the same MAC.`, {
      hint: 'Give each NIC its own MAC, or leave them out to have them generated.',
    });
  }
  return macs;
}

function vmExists(env: ProviderEnv, name: string, cause?: unknown): ImsError {
  return new ImsError(
    'IMS_ALREADY_EXISTS',
    `A VM named ${name} already exists in VirtualBox on ${env.host.target}.`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: 'Choose another VM name (`ims vm list --all` shows the VMs VirtualBox has).',
      details: { vm: name },
    },
  );
}

function templateNotFound(template: string, why?: string, cause?: unknown): ImsError {
  return new ImsError(
    'IMS_TEMPLATE_NOT_FOUND',
    why === undefined
      ? `Template ${template} has not been imported into this VirtualBox configuration.`
      : `Template ${template} cannot be used: ${why}.`,
    {
      ...(cause === undefined ? {} : { cause }),
      hint: 'Import it with `ims template import`, or see `ims template list`.',
      details: { template },
    },
  );
}
