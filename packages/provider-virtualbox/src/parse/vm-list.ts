/** `VBoxManage list vms` / `list runningvms`: one `"name" {uuid}` line per VM. */

/** One VM of a listing. */
export interface ListedVm {
  /** Its name; `<inaccessible>` for a VM whose settings VirtualBox cannot read. */
  name: string;
  /** Its UUID. */
  uuid: string;
  /** False for `<inaccessible>` entries, whose name is not the VM's. */
  accessible: boolean;
}

/** The marker VirtualBox shows instead of the name of a VM it cannot read. */
export const INACCESSIBLE = '<inaccessible>';

const LINE = /^"(.*)" \{([0-9a-fA-F-]+)\}\s*$/;

/** The VMs of a listing; lines of any other shape are skipped. Names are not escaped by VirtualBox. */
export function parseVmList(text: string): ListedVm[] {
  const vms: ListedVm[] = [];
  for (const line of text.split(/\r?\n/)) {
    const match = LINE.exec(line);
    if (match === null) continue;
    const name = match[1] as string;
    vms.push({ name, uuid: (match[2] as string).toLowerCase(), accessible: name !== INACCESSIBLE });
  }
  return vms;
}
