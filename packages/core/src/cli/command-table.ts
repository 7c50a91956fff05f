import type { CommandHandler } from './command-context.js';
import type { FlagSpec } from './parse-args.js';

/** One `ims` command: what the parser and `--help` need, and how to load its code lazily. */
export interface CommandSpec {
  /** Words that name the command, e.g. `['vm', 'create']`. */
  path: string[];
  /** Positional arguments, for usage lines (`<vm>`, `[<config>]`, `<vm>...`). */
  args: string[];
  /** Flags besides the global ones. */
  flags: Record<string, FlagSpec>;
  /** Flag help lines, in display order. */
  flagHelp?: [string, string][];
  /** One-line description. */
  summary: string;
  /** Accepts provider options as extra flags (`config create`). */
  providerFlags?: boolean;
  /** Loads the handler. */
  load(): Promise<CommandHandler>;
}

const s = { kind: 'string' } as const;
const sm = { kind: 'string', multiple: true } as const;
const b = { kind: 'boolean' } as const;
const opt = { kind: 'optional' } as const;

const plugins = () => import('./commands/plugins.js');
const config = () => import('./commands/config.js');
const template = () => import('./commands/template.js');
const vm = () => import('./commands/vm.js');

/** Every command. Order is the order of `ims --help`. */
export const COMMANDS: CommandSpec[] = [
  {
    path: ['plugins'],
    args: [],
    flags: { verify: b },
    flagHelp: [['--verify', "also import and check each provider's code (exit 4 if any fails)"]],
    summary: 'list installed provider packages',
    load: async () => (await plugins()).listPlugins,
  },
  {
    path: ['plugin', 'install'],
    args: ['<npm-spec|path>'],
    flags: { replace: b },
    flagHelp: [
      ['--replace', 'take over a provider id another package already provides (and remove that package)'],
    ],
    summary: 'install a provider package into IMS_HOME/plugins',
    load: async () => (await plugins()).install,
  },
  {
    path: ['plugin', 'remove'],
    args: ['<package>'],
    flags: {},
    summary: 'remove a provider package installed with `plugin install`',
    load: async () => (await plugins()).remove,
  },

  {
    path: ['config', 'create'],
    args: ['<name>'],
    flags: { provider: s },
    flagHelp: [
      ['--provider <id>', 'the provider (see `ims plugins`)'],
      ['--<option> <value>', 'provider options: `ims config create x --provider <id> --help` lists them'],
      ['--<secret>-env VAR', 'read a secret option (e.g. --password-env) from an environment variable'],
    ],
    providerFlags: true,
    summary: 'create a named configuration of a provider',
    load: async () => (await config()).create,
  },
  {
    path: ['config', 'update'],
    args: ['<name>'],
    flags: {},
    flagHelp: [
      ['--<option> <value>', 'provider options to change: `ims config update <name> --help` lists them'],
      ['--<secret>-env VAR', 'read a secret option (e.g. --password-env) from an environment variable'],
    ],
    providerFlags: true,
    summary: 'change options of a configuration (e.g. a rotated password); templates and VMs stay',
    load: async () => (await config()).update,
  },
  {
    path: ['config', 'list'],
    args: [],
    flags: {},
    summary: 'list configurations',
    load: async () => (await config()).list,
  },
  {
    path: ['config', 'show'],
    args: ['<name>'],
    flags: {},
    summary: 'show a configuration (secrets as ***)',
    load: async () => (await config()).show,
  },
  {
    path: ['config', 'test'],
    args: ['<name>'],
    flags: {},
    summary: 'connect and print the hypervisor or manager version',
    load: async () => (await config()).test,
  },
  {
    path: ['config', 'delete'],
    args: ['<name>'],
    flags: { force: b },
    flagHelp: [['--force', 'first delete its VMs (powered off) and templates through the provider']],
    summary: 'delete a configuration (it must have no VMs or templates, unless --force)',
    load: async () => (await config()).remove,
  },

  {
    path: ['template', 'import'],
    args: ['<config>', '<source>'],
    flags: { name: s },
    flagHelp: [['--name <name>', 'store under this name (default: from template.json or the file name)']],
    summary: 'import a template from a .tgz, a directory or an http(s) URL',
    load: async () => (await template()).importCommand,
  },
  {
    path: ['template', 'list'],
    args: ['[<config>]'],
    flags: {},
    summary: 'list templates',
    load: async () => (await template()).list,
  },
  {
    path: ['template', 'delete'],
    args: ['<config>', '<name>'],
    flags: {},
    summary: 'delete a template',
    load: async () => (await template()).remove,
  },

  {
    path: ['vm', 'create'],
    args: ['<config>', '<vm>'],
    flags: {
      template: s,
      cpus: s,
      memory: s,
      mac: s,
      ip: s,
      gateway: s,
      dns: sm,
      'ssh-key': sm,
      param: sm,
      start: b,
      'wait-ip': opt,
    },
    flagHelp: [
      ['--template <t>', 'template to create the VM from (required)'],
      ['--cpus N', 'virtual CPUs'],
      ['--memory MiB', 'memory in MiB'],
      ['--mac MAC', 'MAC address of the NIC (default: generated)'],
      ['--ip CIDR|dhcp', 'address the guest configures at boot (default dhcp)'],
      ['--gateway IP', 'default gateway'],
      ['--dns IP', 'DNS server (repeatable)'],
      ['--ssh-key FILE', 'public key to authorize in the guest (repeatable)'],
      ['--param K=V', 'boot parameter for the guest (repeatable)'],
      ['--start', 'start it at once'],
      ['--wait-ip[=SECONDS]', 'with --start: wait until the guest reports an address (default 120 s)'],
    ],
    summary: 'create a VM from a template',
    load: async () => (await vm()).create,
  },
  {
    path: ['vm', 'list'],
    args: [],
    flags: { config: s, all: b },
    flagHelp: [
      ['--config <c>', 'only this configuration'],
      ['--all', 'also VMs IMS did not create (unmanaged)'],
    ],
    summary: 'list VMs',
    load: async () => (await vm()).list,
  },
  {
    path: ['vm', 'status'],
    args: ['<vm>'],
    flags: {},
    summary: "show a VM's state",
    load: async () => (await vm()).status,
  },
  {
    path: ['vm', 'start'],
    args: ['<vm>'],
    flags: { param: sm, 'wait-ip': opt },
    flagHelp: [
      ['--param K=V', 'extra boot parameter for this start (repeatable)'],
      ['--wait-ip[=SECONDS]', 'wait until the guest reports an address (default 120 s)'],
    ],
    summary: 'start a VM, passing its boot parameters',
    load: async () => (await vm()).start,
  },
  {
    path: ['vm', 'stop'],
    args: ['<vm>'],
    flags: { force: b, timeout: s },
    flagHelp: [
      ['--force', 'power off at once'],
      ['--timeout SECONDS', 'how long a graceful shutdown may take (default 60)'],
    ],
    summary: 'stop a VM',
    load: async () => (await vm()).stop,
  },
  {
    path: ['vm', 'suspend'],
    args: ['<vm>'],
    flags: {},
    summary: 'suspend a running VM',
    load: async () => (await vm()).suspend,
  },
  {
    path: ['vm', 'resume'],
    args: ['<vm>'],
    flags: {},
    summary: 'resume a suspended VM',
    load: async () => (await vm()).resume,
  },
  {
    path: ['vm', 'delete'],
    args: ['<vm>'],
    flags: { force: b },
    flagHelp: [['--force', 'power it off first if it is running']],
    summary: 'delete a VM and its storage',
    load: async () => (await vm()).remove,
  },
  {
    path: ['vm', 'metrics'],
    args: ['<vm>...'],
    flags: { watch: s },
    flagHelp: [
      ['--watch SECONDS', 'sample again every SECONDS until Ctrl-C (with --json: one document per line)'],
    ],
    summary: 'CPU and memory use',
    load: async () => (await vm()).metrics,
  },
  {
    path: ['vm', 'ip', 'set'],
    args: ['<vm>', '<CIDR|dhcp>'],
    flags: { gateway: s, dns: sm },
    flagHelp: [
      ['--gateway IP', 'default gateway'],
      ['--dns IP', 'DNS server (repeatable)'],
    ],
    summary: 'change the address the guest gets at its next start',
    load: async () => (await vm()).ipSet,
  },
  {
    path: ['vm', 'ip'],
    args: ['<vm>'],
    flags: {},
    summary: 'addresses: configured, and what the guest reports',
    load: async () => (await vm()).ip,
  },
  {
    path: ['vm', 'bootparams'],
    args: ['<vm>'],
    flags: { param: sm, out: s, force: b },
    flagHelp: [
      ['--param K=V', 'extra parameter, as for `vm start`'],
      ['--out FILE.iso', 'write the boot image itself (a new file; never through a symlink)'],
      ['--force', 'with --out: replace an existing regular file'],
    ],
    summary: 'what the guest will receive at its next start',
    load: async () => (await vm()).bootparams,
  },

  {
    path: ['doctor'],
    args: [],
    flags: { repair: b },
    flagHelp: [
      ['--repair', 'roll back what interrupted commands left (half-made VMs and templates, work files)'],
    ],
    summary: 'what is installed, what each configuration can reach, what interrupted commands left',
    load: async () => (await import('./commands/doctor.js')).doctor,
  },
];

/** The command whose path is the longest prefix of the words, and the words after it. */
export function findCommand(words: readonly string[]): { spec: CommandSpec; rest: string[] } | undefined {
  let best: CommandSpec | undefined;
  for (const spec of COMMANDS) {
    if (
      spec.path.every((w, i) => words[i] === w) &&
      (best === undefined || spec.path.length > best.path.length)
    )
      best = spec;
  }
  return best ? { spec: best, rest: words.slice(best.path.length) } : undefined;
}
