/** The VirtualBox versions the simulator imitates, by the key `VBOXSIM_VERSION` accepts. */
export const SIMULATED_VERSIONS = ['4.3', '5.2', '6.1', '7.0', '7.1'] as const;

/** One of {@link SIMULATED_VERSIONS}. */
export type SimulatedVersionKey = (typeof SIMULATED_VERSIONS)[number];

/** A simulated VirtualBox version and the output style that goes with it. */
export interface SimVersion {
  /** The short key, e.g. `6.1`. */
  key: SimulatedVersionKey;
  /** What `--version` prints, e.g. `6.1.50r161033`. */
  full: string;
  /** Major version number. */
  major: number;
}

// confirmed: /work/notes/vbox-commands.md (version strings of each simulated release)
const FULL_VERSIONS: Record<SimulatedVersionKey, string> = {
  '4.3': '4.3.40r117311',
  '5.2': '5.2.44r139111',
  '6.1': '6.1.50r161033',
  '7.0': '7.0.18r162988',
  '7.1': '7.1.14r170994',
};

/** The version used when neither `VBOXSIM_VERSION` nor the state directory names one. */
export const DEFAULT_VERSION: SimulatedVersionKey = '7.0';

/** Resolves `4.3`…`7.1` or a full version string such as `7.0.18r162988`; undefined when unsupported. */
export function resolveVersion(spec: string): SimVersion | undefined {
  const match = /^(\d+)\.(\d+)/.exec(spec.trim());
  if (!match) return undefined;
  const key = `${match[1]}.${match[2]}` as SimulatedVersionKey;
  if (!(SIMULATED_VERSIONS as readonly string[]).includes(key)) return undefined;
  const full = /^\d+\.\d+\.\d+/.test(spec.trim()) ? spec.trim() : FULL_VERSIONS[key];
  return { key, full, major: Number(match[1]) };
}

/** True for 7.0 and later, whose output differs in several places (enumerate columns, aborted-saved). */
export function isSeven(version: SimVersion): boolean {
  return version.major >= 7;
}

/** `6.1.50` out of `6.1.50r161033`, as the logo prints it. */
export function dottedVersion(version: SimVersion): string {
  return /^\d+\.\d+\.\d+/.exec(version.full)?.[0] ?? version.full;
}
