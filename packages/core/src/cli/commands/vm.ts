import { type BootImageBuilder, escapeForDisplay, type GuestAddress, ImsError, TOKENS } from '@ims/spi';
import { parseAddress, parseIp, parseMac, parseParams, parsePositiveInt } from '../../host/vm-input.js';
import {
  listVms,
  type VmMetricsView,
  type VmStatusView,
  vmAddresses,
  vmMetrics,
  vmStatus,
} from '../../host/vm-observe.js';
import {
  bootParamsOf,
  createVm,
  deleteVm,
  pauseVm,
  setVmAddress,
  startVm,
  stopVm,
  vmRecord,
} from '../../host/vms.js';
import { writeOutputFile } from '../../services/output-file.js';
import { assertParamsAreUtf8 } from '../argv-bytes.js';
import type { CommandContext, CommandHandler } from '../command-context.js';
import { formatBytes, jsonDocument, table } from '../output.js';
import { flagString, flagStrings, hasFlag, type ParsedArgs } from '../parse-args.js';

const DEFAULT_WAIT_IP_SECONDS = 120;

/** `--param NAME=VALUE` flags, each value exactly the bytes given (see argv-bytes.ts). */
function paramsOf(args: ParsedArgs): Record<string, string> {
  const pairs = flagStrings(args, 'param');
  assertParamsAreUtf8(pairs);
  return parseParams(pairs);
}

function waitIpSeconds(args: ParsedArgs): number | undefined {
  const v = args.flags.get('wait-ip')?.[0];
  if (v === undefined) return undefined;
  return v === true ? DEFAULT_WAIT_IP_SECONDS : parsePositiveInt(v, '--wait-ip', 86_400);
}

function printAddresses(ctx: CommandContext, addresses: GuestAddress[]): void {
  if (ctx.json) ctx.out(jsonDocument(addresses));
  else if (addresses.length === 0) ctx.out('No address known yet.');
  else
    for (const line of table(
      ['MAC', 'ADDRESS', 'SOURCE'],
      addresses.map((a) => [a.mac, `${a.address}/${a.prefix}`, a.source]),
    ))
      ctx.out(line);
}

function statusRows(views: VmStatusView[]): string[][] {
  return views.map((v) => [v.name, v.config, v.provider, v.state, v.providerState, v.managed ? 'yes' : 'no']);
}

/** `ims vm create <config> <vm> --template T ...` */
export const create: CommandHandler = async (ctx) => {
  const [config, name] = ctx.args.positionals as [string, string];
  const template = flagString(ctx.args, 'template');
  if (template === undefined)
    throw new ImsError('IMS_INVALID_ARGUMENT', '`ims vm create` needs --template <t>.', {
      hint: `See \`ims template list ${config}\`.`,
    });
  const waitIp = waitIpSeconds(ctx.args);
  const start = hasFlag(ctx.args, 'start');
  if (waitIp !== undefined && !start)
    throw new ImsError('IMS_INVALID_ARGUMENT', '--wait-ip needs --start.', {
      hint: 'Add --start, or run `ims vm start <vm> --wait-ip` later.',
    });
  const cpus = flagString(ctx.args, 'cpus');
  const memory = flagString(ctx.args, 'memory');
  const mac = flagString(ctx.args, 'mac');
  const ip = flagString(ctx.args, 'ip');
  const gateway = flagString(ctx.args, 'gateway');
  const host = await ctx.host();
  const record = await createVm(host, config, name, {
    template,
    ...(cpus !== undefined ? { cpus: parsePositiveInt(cpus, '--cpus', 256) } : {}),
    ...(memory !== undefined ? { memoryMiB: parsePositiveInt(memory, '--memory', 16 * 1024 * 1024) } : {}),
    ...(mac !== undefined ? { mac: parseMac(mac) } : {}),
    ...(ip !== undefined ? { address: parseAddress(ip) } : {}),
    ...(gateway !== undefined ? { gateway: parseIp(gateway, '--gateway') } : {}),
    dns: flagStrings(ctx.args, 'dns').map((d) => parseIp(d, '--dns')),
    sshKeyFiles: flagStrings(ctx.args, 'ssh-key'),
    params: paramsOf(ctx.args),
  });
  let addresses: GuestAddress[] = [];
  if (start) addresses = await startVm(host, name, waitIp === undefined ? {} : { waitIpSeconds: waitIp });
  if (ctx.json) ctx.out(jsonDocument({ ...record, started: start, addresses }));
  else {
    ctx.out(`Created VM "${name}" in ${config} (MAC ${record.nics[0]?.mac}).${start ? ' Started.' : ''}`);
    if (addresses.length > 0) printAddresses(ctx, addresses);
  }
  return 0;
};

/** `ims vm list [--config C] [--all]` */
export const list: CommandHandler = async (ctx) => {
  const config = flagString(ctx.args, 'config');
  const views = await listVms(await ctx.host(), {
    all: hasFlag(ctx.args, 'all'),
    ...(config !== undefined ? { config } : {}),
  });
  if (ctx.json) ctx.out(jsonDocument(views));
  else if (views.length === 0) ctx.err('No VMs.');
  else
    for (const line of table(
      ['NAME', 'CONFIG', 'PROVIDER', 'STATE', 'PROVIDER-STATE', 'MANAGED'],
      statusRows(views),
    ))
      ctx.out(line);
  return 0;
};

/** `ims vm status <vm>` */
export const status: CommandHandler = async (ctx) => {
  const view = await vmStatus(await ctx.host(), ctx.args.positionals[0]!);
  if (ctx.json) ctx.out(jsonDocument(view));
  else ctx.out(`${view.name}: ${view.state} (${view.provider}: ${view.providerState})`);
  return 0;
};

/** `ims vm start <vm> [--param K=V]... [--wait-ip[=S]]` */
export const start: CommandHandler = async (ctx) => {
  const name = ctx.args.positionals[0]!;
  const waitIp = waitIpSeconds(ctx.args);
  const params = paramsOf(ctx.args);
  const addresses = await startVm(await ctx.host(), name, {
    params,
    ...(waitIp !== undefined ? { waitIpSeconds: waitIp } : {}),
  });
  if (ctx.json) ctx.out(jsonDocument({ name, started: true, addresses }));
  else {
    ctx.out(`Started "${name}".`);
    if (waitIp !== undefined) printAddresses(ctx, addresses);
  }
  return 0;
};

/** `ims vm stop <vm> [--force] [--timeout S]` */
export const stop: CommandHandler = async (ctx) => {
  const name = ctx.args.positionals[0]!;
  const timeout = flagString(ctx.args, 'timeout');
  const force = hasFlag(ctx.args, 'force');
  await stopVm(await ctx.host(), name, {
    force,
    timeoutSeconds: timeout === undefined ? 60 : parsePositiveInt(timeout, '--timeout', 86_400),
  });
  if (ctx.json) ctx.out(jsonDocument({ name, stopped: true, forced: force }));
  else ctx.out(`Stopped "${name}"${force ? ' (forced)' : ''}.`);
  return 0;
};

const pauseCommand =
  (pause: boolean): CommandHandler =>
  async (ctx) => {
    const name = ctx.args.positionals[0]!;
    await pauseVm(await ctx.host(), name, pause);
    if (ctx.json) ctx.out(jsonDocument({ name, state: pause ? 'suspended' : 'running' }));
    else ctx.out(`${pause ? 'Suspended' : 'Resumed'} "${name}".`);
    return 0;
  };

/** `ims vm suspend <vm>` */
export const suspend = pauseCommand(true);
/** `ims vm resume <vm>` */
export const resume = pauseCommand(false);

/** `ims vm delete <vm> [--force]` */
export const remove: CommandHandler = async (ctx) => {
  const name = ctx.args.positionals[0]!;
  const { alreadyGone, rolledBack } = await deleteVm(await ctx.host(), name, {
    force: hasFlag(ctx.args, 'force'),
  });
  if (ctx.json) ctx.out(jsonDocument({ deleted: name, alreadyGone, ...(rolledBack ? { rolledBack } : {}) }));
  else if (rolledBack) ctx.out(`Deleted "${name}" (its interrupted creation was rolled back).`);
  else ctx.out(`Deleted "${name}"${alreadyGone ? ' (it was already gone from the hypervisor)' : ''}.`);
  return 0;
};

function metricsRows(views: VmMetricsView[]): string[][] {
  return views.map((m) => [
    m.vm,
    String(m.vcpus),
    `${m.cpuPercent.toFixed(1)}%`,
    `${(m.cpuTimeNs / 1e9).toFixed(2)} s`,
    `${formatBytes(m.memoryUsedBytes)} / ${formatBytes(m.memoryTotalBytes)}`,
  ]);
}

/** `ims vm metrics <vm>... [--watch S]` */
export const metrics: CommandHandler = async (ctx) => {
  const names = ctx.args.positionals;
  const watch = flagString(ctx.args, 'watch');
  const host = await ctx.host();
  const every = watch === undefined ? undefined : parsePositiveInt(watch, '--watch', 86_400);
  const headers = ['VM', 'VCPUS', 'CPU', 'CPU-TIME', 'MEMORY'];
  if (every === undefined) {
    const views = await vmMetrics(host, names);
    if (ctx.json) ctx.out(jsonDocument(views));
    else for (const line of table(headers, metricsRows(views))) ctx.out(line);
    return 0;
  }
  // --watch: the sampling interval itself paces the loop; Ctrl-C aborts the host's signal.
  for (;;) {
    const views = await vmMetrics(host, names, every * 1000).catch((error: unknown) => {
      if ((error as { code?: string }).code === 'IMS_ABORTED') return undefined;
      throw error;
    });
    if (views === undefined) return 0;
    if (ctx.json) ctx.out(JSON.stringify(views));
    else for (const line of table(headers, metricsRows(views))) ctx.out(line);
  }
};

/** `ims vm ip <vm>` */
export const ip: CommandHandler = async (ctx) => {
  printAddresses(ctx, await vmAddresses(await ctx.host(), ctx.args.positionals[0]!));
  return 0;
};

/** `ims vm ip set <vm> <CIDR|dhcp> [--gateway IP] [--dns IP]...` */
export const ipSet: CommandHandler = async (ctx) => {
  const [name, addressText] = ctx.args.positionals as [string, string];
  const address = parseAddress(addressText);
  const gateway = flagString(ctx.args, 'gateway');
  const dns = flagStrings(ctx.args, 'dns');
  const record = await setVmAddress(await ctx.host(), name, address, {
    ...(gateway !== undefined ? { gateway: parseIp(gateway, '--gateway') } : {}),
    ...(dns.length > 0 ? { dns: dns.map((d) => parseIp(d, '--dns')) } : {}),
  });
  if (ctx.json) ctx.out(jsonDocument(record.nics));
  else ctx.out(`"${name}" gets ${addressText} at its next start.`);
  return 0;
};

/** `ims vm bootparams <vm> [--param K=V]... [--json | --out FILE.iso]` */
export const bootparams: CommandHandler = async (ctx) => {
  const host = await ctx.host();
  const record = await vmRecord(host, ctx.args.positionals[0]!);
  const params = bootParamsOf(record, paramsOf(ctx.args));
  const out = flagString(ctx.args, 'out');
  if (out !== undefined) {
    const image = await host.service<BootImageBuilder>(TOKENS.BootImage).build(params);
    await writeOutputFile(out, image, { force: hasFlag(ctx.args, 'force') });
    if (!ctx.json)
      ctx.out(
        `Wrote the boot image of "${record.name}" to ${escapeForDisplay(out)} (${image.length} bytes).`,
      );
    else ctx.out(jsonDocument({ vm: record.name, out, bytes: image.length }));
    return 0;
  }
  if (ctx.json) ctx.out(jsonDocument(params));
  else {
    ctx.out(`hostname: ${params.hostname}`);
    for (const [i, n] of params.nics.entries())
      ctx.out(
        `nic${i}: ${n.mac} ${n.address === 'dhcp' ? 'dhcp' : `${n.address.address}/${n.address.prefix}`}${n.gateway ? ` via ${n.gateway}` : ''}`,
      );
    if (params.dns.length > 0) ctx.out(`dns: ${params.dns.join(' ')}`);
    ctx.out(`ssh keys: ${params.sshKeys.length}`);
    for (const [k, v] of Object.entries(params.params)) ctx.out(`param ${k}=${JSON.stringify(v)}`);
  }
  return 0;
};
