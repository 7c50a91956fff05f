/**
 * libvirt connection URIs the way libvirt's remote driver reads them: which daemon socket to
 * reach, over which transport, and which name to open once connected.
 */
import { homedir } from 'node:os';
import { ImsError } from '@ims/spi';

/** libvirtd's read-write socket on a system-wide install. */
export const SYSTEM_SOCKET = '/run/libvirt/libvirt-sock';
/** virtqemud's socket, for `mode=direct` (modular daemons). */
export const VIRTQEMUD_SOCKET = '/run/libvirt/virtqemud-sock';

/** A parsed libvirt URI. */
export interface LibvirtUri {
  /** The URI as given. */
  uri: string;
  /** Hypervisor driver. */
  driver: 'qemu' | 'test';
  /** How the daemon's socket is reached: locally, or through an SSH session on `host`. */
  transport: 'unix' | 'ssh';
  /** SSH user, when the URI names one. */
  user?: string;
  /** SSH host (transport `ssh` only). */
  host?: string;
  /** SSH port (transport `ssh` only; default 22). */
  port?: number;
  /** Path of the daemon's unix socket (on the SSH host for transport `ssh`). */
  socketPath: string;
  /** The name sent with CONNECT_OPEN: the URI without transport, host and client-only parameters. */
  openName: string;
}

/** Query parameters only the client side of libvirt's remote driver reads; never sent to the daemon. */
const CLIENT_ONLY_PARAMS = new Set([
  'name',
  'command',
  'socket',
  'auth',
  'netcat',
  'keyfile',
  'no_verify',
  'no_tty',
  'pkipath',
  'known_hosts',
  'known_hosts_verify',
  'sshauth',
  'mode',
  'proxy',
  'tls_priority',
  'tls',
]);

function invalid(uri: string, why: string, hint: string): ImsError {
  const shown = redactPassword(uri);
  return new ImsError('IMS_INVALID_ARGUMENT', `Invalid libvirt URI '${shown}': ${why}.`, {
    hint,
    details: { uri: shown },
  });
}

/** The URI with any `user:password@` password replaced, so it can go into messages. */
function redactPassword(uri: string): string {
  return uri.replace(/^([^:]+:\/\/[^/@:]*):[^/@]*@/, '$1:***@');
}

const EXAMPLES =
  'Use qemu:///system, qemu+ssh://user@host/system, qemu+unix:///system?socket=PATH or test:///default.';

/** Parses a libvirt URI, or fails with `IMS_INVALID_ARGUMENT`. */
export function parseLibvirtUri(uri: string): LibvirtUri {
  const scheme = /^(qemu|test)(?:\+(unix|ssh))?:\/\//.exec(uri);
  if (!scheme) throw invalid(uri, 'the scheme must be qemu or test, optionally with +unix or +ssh', EXAMPLES);
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(uri, 'it is not a well-formed URI', EXAMPLES);
  }
  const driver = scheme[1] as 'qemu' | 'test';
  const transport = scheme[2] === 'ssh' ? 'ssh' : 'unix';
  const path = decodeURIComponent(url.pathname);
  const params = url.searchParams;

  if (url.password)
    throw invalid(uri, 'passwords do not belong in the URI', 'Configure the SSH password separately.');
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (transport === 'unix' && (host || url.username || url.port)) {
    throw invalid(
      uri,
      'a host without a transport means TLS, which IMS does not support',
      'Use qemu+ssh://user@host/system to reach a remote host.',
    );
  }
  if (transport === 'ssh' && !host) throw invalid(uri, 'qemu+ssh needs a host', EXAMPLES);

  checkPath(uri, driver, path);
  const socketPath = socketFor(uri, driver, transport, path, params);
  const result: LibvirtUri = {
    uri,
    driver,
    transport,
    socketPath,
    openName: openNameFor(driver, path, params),
  };
  if (transport === 'ssh') {
    result.host = host;
    result.port = url.port ? Number(url.port) : 22;
    if (url.username) result.user = decodeURIComponent(url.username);
  }
  return result;
}

function checkPath(uri: string, driver: 'qemu' | 'test', path: string): void {
  if (driver === 'qemu' && path !== '/system' && path !== '/session') {
    throw invalid(
      uri,
      `the qemu driver's path must be /system or /session, not '${path || '(empty)'}'`,
      EXAMPLES,
    );
  }
  if (driver === 'test' && (path === '' || path === '/')) {
    throw invalid(uri, 'the test driver needs /default or the absolute path of an XML file', EXAMPLES);
  }
}

function socketFor(
  uri: string,
  driver: 'qemu' | 'test',
  transport: 'unix' | 'ssh',
  path: string,
  params: URLSearchParams,
): string {
  const socket = params.get('socket');
  if (socket !== null) {
    if (!socket.startsWith('/')) throw invalid(uri, 'socket= must be an absolute path', EXAMPLES);
    return socket;
  }
  const mode = params.get('mode');
  if (mode !== null && mode !== 'auto' && mode !== 'legacy' && mode !== 'direct') {
    throw invalid(uri, `mode= must be auto, legacy or direct, not '${mode}'`, EXAMPLES);
  }
  if (driver === 'qemu' && path === '/session') {
    if (transport === 'ssh') {
      throw invalid(uri, 'the session socket on a remote host is not known', 'Add ?socket=PATH to the URI.');
    }
    const runtimeDir = process.env.XDG_RUNTIME_DIR || `${homedir()}/.cache`;
    return `${runtimeDir}/libvirt/libvirt-sock`;
  }
  if (mode === 'direct') {
    if (driver !== 'qemu') throw invalid(uri, 'mode=direct is only known for the qemu driver', EXAMPLES);
    return VIRTQEMUD_SOCKET;
  }
  return SYSTEM_SOCKET;
}

function openNameFor(driver: 'qemu' | 'test', path: string, params: URLSearchParams): string {
  const explicit = params.get('name');
  if (explicit !== null) return explicit;
  const kept = [...params.entries()].filter(([key]) => !CLIENT_ONLY_PARAMS.has(key));
  const query = kept.length > 0 ? `?${new URLSearchParams(kept).toString()}` : '';
  return `${driver}://${encodeURI(path)}${query}`;
}
