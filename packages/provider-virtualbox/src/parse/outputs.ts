/** The success lines of `clonevm` and `startvm`, and the version line of `--version`. */

/** The clone's name from `Machine has been successfully cloned as "N"`, or undefined. */
export function parseCloneOutput(stdout: string): string | undefined {
  const match = /^Machine has been successfully cloned as "(.*)"\s*$/m.exec(stdout);
  return match === null ? undefined : match[1];
}

/** True when `startvm` said `VM "N" has been successfully started.` (it may still exit 1). */
export function startSucceeded(stdout: string): boolean {
  return /^VM ".*" has been successfully started\.\s*$/m.test(stdout);
}

/** A VirtualBox version. */
export interface VBoxVersion {
  /** Major number. */
  major: number;
  /** Minor number. */
  minor: number;
  /** Patch number. */
  patch: number;
  /** The whole version line, e.g. `7.1.14_Mageia r170994`. */
  text: string;
}

/**
 * The version from `VBoxManage --version` output: the first line that is not a `WARNING:` line and
 * starts with `major.minor.patch` (`4.1.2_Ubuntur38459`, `7.0.18r162988`); undefined when none does.
 */
export function parseVersion(stdout: string): VBoxVersion | undefined {
  for (const line of stdout.split(/\r?\n/)) {
    const text = line.trim();
    if (text === '' || text.startsWith('WARNING:')) continue;
    const match = /^(\d+)\.(\d+)\.(\d+)/.exec(text);
    if (match === null) continue;
    return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]), text };
  }
  return undefined;
}
