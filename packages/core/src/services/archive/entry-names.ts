/** An entry name split into safe components, or why it is refused. */
export type NameCheck = { ok: true; components: string[] } | { ok: false; reason: string };

/** Why a link target is refused, or `undefined` when it stays inside the target. */
export type LinkCheck = string | undefined;

/**
 * Splits an archive member name into components relative to the target directory.
 * `.` and empty components (`a//b`, `./a`, trailing `/`) are dropped; an empty result is the
 * target directory itself.
 */
export function checkEntryName(name: string): NameCheck {
  if (name.length === 0) return { ok: false, reason: 'the entry has an empty name' };
  if (name.includes('\0')) return { ok: false, reason: 'the name contains a NUL byte' };
  if (name.startsWith('/')) return { ok: false, reason: 'the name is an absolute path' };
  const components = name.split('/').filter((part) => part !== '' && part !== '.');
  if (components.includes('..')) return { ok: false, reason: 'the name contains a ".." component' };
  return { ok: true, components };
}

/**
 * Checks a symbolic link's target. `..` is accepted only as a leading run, climbing no higher than
 * the link's own directory depth: the link's parents are real directories (nothing is ever written
 * through a link), so those steps are exact. A `..` after a name is refused even when it looks
 * harmless lexically, because that name may itself be a link and `link/..` then leaves the place
 * the text suggests.
 */
export function checkSymlinkTarget(linkDirComponents: readonly string[], linkname: string): LinkCheck {
  if (linkname.length === 0) return 'the symbolic link has an empty target';
  if (linkname.includes('\0')) return 'the symbolic link target contains a NUL byte';
  if (linkname.startsWith('/')) return `the symbolic link target "${linkname}" is an absolute path`;
  const parts = linkname.split('/').filter((part) => part !== '' && part !== '.');
  let climbs = 0;
  while (parts[climbs] === '..') climbs += 1;
  if (parts.slice(climbs).includes('..')) {
    return `the symbolic link target "${linkname}" has a ".." after a name, which may resolve through another link`;
  }
  if (climbs > linkDirComponents.length) {
    return `the symbolic link target "${linkname}" resolves outside the target directory`;
  }
  return undefined;
}

/** Joins components into the `/`-separated relative path reported to callers. */
export function toRelativePath(components: readonly string[]): string {
  return components.join('/');
}
