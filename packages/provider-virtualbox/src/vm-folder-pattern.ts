/**
 * The rule a VM folder must pass, as a JSON-schema pattern, so the host checks it when a
 * configuration is written. Kept free of imports: the configuration schema is built on every
 * command. `vm-folder.ts` applies the same rule (and a few more) before files are touched.
 */

/** Top-level folders of Linux, macOS and Solaris hosts that belong to the system. */
const SYSTEM_FOLDERS = [
  'Applications',
  'Library',
  'System',
  'Users',
  'Volumes',
  'bin',
  'boot',
  'dev',
  'etc',
  'export',
  'home',
  'lib',
  'lib32',
  'lib64',
  'libx32',
  'lost+found',
  'media',
  'mnt',
  'opt',
  'private',
  'proc',
  'root',
  'run',
  'sbin',
  'snap',
  'srv',
  'sys',
  'tmp',
  'usr',
  'var',
];

/** Folders whose direct children are users' home directories (`/home/alice`). */
const HOME_PARENTS = ['/home', '/Users', '/export/home', '/var/home', '/usr/home'];

/** Folders that hold the system's own files at any depth. */
const SYSTEM_TREES = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib64', '/proc', '/sbin', '/sys', '/usr'];

const escapeRegExp = (text: string) => text.replace(/[.+]/g, '\\$&');

/**
 * The JSON-schema pattern of `--vm-folder`: an absolute, normalised path (no `.` or `..` parts, no
 * `//`, no trailing `/`) that is not `/`, a top-level system folder, a folder inside
 * /bin, /boot, /dev, /etc, /lib, /lib64, /proc, /sbin, /sys or /usr, or a home directory itself.
 */
export const VM_FOLDER_PATTERN = [
  '^',
  '(?!/(?:\\.\\.?)?(?:/|$))', // not `/`, `/.` or `/..`
  '(?!.*//)', // no empty parts
  '(?!.*/\\.\\.?(?:/|$))', // no `.` or `..` parts
  '(?!.*/$)', // no trailing slash
  `(?!/(?:${SYSTEM_FOLDERS.map(escapeRegExp).join('|')})$)`,
  `(?!(?:${SYSTEM_TREES.map(escapeRegExp).join('|')})/)`,
  `(?!(?:${HOME_PARENTS.map(escapeRegExp).join('|')})/[^/]+$)`,
  '/.+$',
].join('');
