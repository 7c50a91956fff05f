import { COMMANDS, type CommandSpec } from './command-table.js';

/** `ims --help`: every command with its summary. */
export function generalHelp(): string[] {
  const width = Math.max(...COMMANDS.map((c) => usageOf(c).length));
  return [
    'ims — IaaS Management Service: virtual machines on libvirt/KVM, Oracle VM and VirtualBox through provider plugins.',
    '',
    'Usage: ims <command> [options]',
    '',
    ...COMMANDS.map((c) => `  ${usageOf(c).padEnd(width)}  ${c.summary}`),
    '',
    'Global options: --json (one JSON document on stdout), --debug (cause chain and stack), --help, --version',
    'Exit codes: 0 ok, 1 failed, 2 usage error, 3 not found, 4 provider plugin missing/invalid/incompatible.',
    'State lives in $IMS_HOME (default ~/.ims). Docs: docs/cli.md',
  ];
}

/** One command's usage line. */
export function usageOf(spec: CommandSpec): string {
  return ['ims', ...spec.path, ...spec.args].join(' ');
}

/** `ims <command> --help`. */
export function commandHelp(spec: CommandSpec): string[] {
  const flags = spec.flagHelp ?? [];
  const width = Math.max(0, ...flags.map(([f]) => f.length));
  return [
    `Usage: ${usageOf(spec)}${flags.length > 0 ? ' [options]' : ''}`,
    '',
    spec.summary,
    ...(flags.length > 0 ? ['', ...flags.map(([f, d]) => `  ${f.padEnd(width)}  ${d}`)] : []),
  ];
}
