import type { SimContext } from '../context.js';
import { UsageError } from '../errors.js';
import { osTypeDescription } from '../ostypes.js';
import type { SimVm } from '../state/types.js';

function line(vm: SimVm): string {
  // confirmed: reference "Output formats" (`"name" {uuid}`, name printed verbatim)
  return `"${vm.name}" {${vm.uuid}}\n`;
}

/** `list vms|runningvms|ostypes`. */
export function list(ctx: SimContext, argv: string[]): void {
  const args = argv.filter((a) => !['--long', '-l', '--sorted', '-s'].includes(a));
  if (args.length !== 1) throw new UsageError('Incorrect parameters', 'list');
  const what = args[0]!;
  const sorted = argv.includes('--sorted') || argv.includes('-s');
  const vms = ctx.store.list();
  const order = (xs: SimVm[]) => (sorted ? [...xs].sort((a, b) => a.name.localeCompare(b.name)) : xs);
  if (what === 'vms') {
    ctx.out.stdout(order(vms).map(line).join(''));
  } else if (what === 'runningvms') {
    // confirmed: reference "Output formats" (runningvms includes paused VMs)
    ctx.out.stdout(
      order(vms.filter((vm) => vm.state === 'running' || vm.state === 'paused'))
        .map(line)
        .join(''),
    );
  } else if (what === 'ostypes') {
    for (const id of ['Other', 'Linux26_64', 'Debian_64', 'Ubuntu_64', 'Oracle_64']) {
      ctx.out.stdout(`ID:          ${id}\nDescription: ${osTypeDescription(id, ctx.version)}\n\n`);
    }
  } else {
    throw new UsageError(`Invalid parameter '${what}'`, 'list');
  }
}
