import { PENDING_KINDS } from './model.js';
import {
  arrayAt,
  childPath,
  fail,
  firstProblem,
  isPlainObject,
  nameMatchesKey,
  numberAt,
  objectAt,
  stringArrayAt,
  stringAt,
  stringMapAt,
} from './shape.js';

/** The first way `doc` is not a valid version-2 (current) state document, or `undefined` if it is one. */
export function stateV2Problem(doc: unknown): string | undefined {
  return stateProblem(doc, 2);
}

/** The first way `doc` is not a valid version-1 state document: version 2 without secrets ids or journal. */
export function stateV1Problem(doc: unknown): string | undefined {
  return stateProblem(doc, 1);
}

function stateProblem(doc: unknown, version: 1 | 2): string | undefined {
  return firstProblem(() => {
    const root = objectAt(doc, 'the document');
    if (root.version !== version) fail('version', String(version));
    const secretsIds = new Set<string>();
    for (const [key, config] of Object.entries(objectAt(root.configs, 'configs'))) {
      const at = childPath('configs', key);
      checkConfig(config, key, at);
      if (version === 2) {
        // Two configurations sharing an entry would share (and sweep) each other's secrets.
        const id = stringAt((config as Record<string, unknown>).secretsId, childPath(at, 'secretsId'));
        if (id === '' || secretsIds.has(id)) fail(childPath(at, 'secretsId'), 'a unique, non-empty id');
        secretsIds.add(id);
      }
    }
    for (const [key, vm] of Object.entries(objectAt(root.vms, 'vms'))) {
      checkVm(vm, key, childPath('vms', key));
    }
    if (version === 2) {
      for (const [key, entry] of Object.entries(objectAt(root.pending, 'pending'))) {
        checkPending(entry, key, childPath('pending', key));
      }
    }
  });
}

function checkPending(value: unknown, key: string, at: string): void {
  const entry = objectAt(value, at);
  if (stringAt(entry.id, childPath(at, 'id')) !== key) fail(childPath(at, 'id'), JSON.stringify(key));
  const kind = stringAt(entry.kind, childPath(at, 'kind'));
  if (!(PENDING_KINDS as readonly string[]).includes(kind)) {
    fail(childPath(at, 'kind'), `one of ${PENDING_KINDS.join(', ')}`);
  }
  for (const field of ['config', 'name', 'hostname', 'token', 'startedAt'] as const) {
    stringAt(entry[field], childPath(at, field));
  }
  for (const field of ['template', 'workDir', 'processStart'] as const) {
    if (entry[field] !== undefined) stringAt(entry[field], childPath(at, field));
  }
  numberAt(entry.pid, childPath(at, 'pid'));
}

function checkConfig(value: unknown, key: string, at: string): void {
  const config = objectAt(value, at);
  nameMatchesKey(config, key, at);
  stringAt(config.provider, childPath(at, 'provider'));
  objectAt(config.options, childPath(at, 'options'));
  stringAt(config.createdAt, childPath(at, 'createdAt'));
  if (config.schemaDigest !== undefined) stringAt(config.schemaDigest, childPath(at, 'schemaDigest'));
  const templatesAt = childPath(at, 'templates');
  for (const [name, value] of Object.entries(objectAt(config.templates, templatesAt))) {
    const templateAt = childPath(templatesAt, name);
    const template = objectAt(value, templateAt);
    nameMatchesKey(template, name, templateAt);
    stringAt(template.importedAt, childPath(templateAt, 'importedAt'));
    if (template.sizeBytes !== undefined) numberAt(template.sizeBytes, childPath(templateAt, 'sizeBytes'));
    if (template.os !== undefined) stringAt(template.os, childPath(templateAt, 'os'));
  }
}

function checkVm(value: unknown, key: string, at: string): void {
  const vm = objectAt(value, at);
  nameMatchesKey(vm, key, at);
  checkVmFields(vm, at);
  stringAt(vm.createdAt, childPath(at, 'createdAt'));
}

/** Checks the VM fields every state version shares (all but `name` and `createdAt`). */
export function checkVmFields(vm: Record<string, unknown>, at: string): void {
  stringAt(vm.config, childPath(at, 'config'));
  stringAt(vm.template, childPath(at, 'template'));
  numberAt(vm.cpus, childPath(at, 'cpus'));
  numberAt(vm.memoryMiB, childPath(at, 'memoryMiB'));
  const nicsAt = childPath(at, 'nics');
  arrayAt(vm.nics, nicsAt).forEach((value, index) => {
    const nicAt = childPath(nicsAt, index);
    const nic = objectAt(value, nicAt);
    stringAt(nic.mac, childPath(nicAt, 'mac'));
    if (nic.address !== 'dhcp') {
      const addressAt = childPath(nicAt, 'address');
      if (!isPlainObject(nic.address)) fail(addressAt, '"dhcp" or an object');
      const address = nic.address;
      stringAt(address.address, childPath(addressAt, 'address'));
      numberAt(address.prefix, childPath(addressAt, 'prefix'));
    }
    if (nic.gateway !== undefined) stringAt(nic.gateway, childPath(nicAt, 'gateway'));
  });
  stringArrayAt(vm.dns, childPath(at, 'dns'));
  stringArrayAt(vm.sshKeys, childPath(at, 'sshKeys'));
  stringMapAt(vm.params, childPath(at, 'params'));
}
