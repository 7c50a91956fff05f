/**
 * A unix-socket proxy in front of libvirtd's socket, so a test can cut the provider's connection
 * the way a restarted daemon would, without touching the shared daemon.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running proxy. */
export interface SocketProxy {
  /** The socket clients connect to. */
  path: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Cuts every open connection now, both ways. */
  cutAll(): void;
  /** Cuts each open connection as soon as its client sends anything more (a call in flight is lost). */
  cutOnNextCall(): void;
  /** Stops the proxy and removes its directory. */
  stop(): Promise<void>;
}

/** Starts a proxy forwarding to `target`. */
export async function startSocketProxy(target: string): Promise<SocketProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'ims-lv-proxy-'));
  const path = join(dir, 'libvirt.sock');
  const pairs = new Set<{ client: Socket; upstream: Socket; cutOnData: boolean }>();
  let accepted = 0;
  const server = createServer((client) => {
    accepted += 1;
    const upstream = createConnection({ path: target });
    const pair = { client, upstream, cutOnData: false };
    pairs.add(pair);
    const cut = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('data', (chunk: Buffer) => {
      if (pair.cutOnData) cut();
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', cut);
    upstream.on('close', cut);
    client.on('error', cut);
    upstream.on('error', cut);
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  const cutAll = () => {
    for (const pair of [...pairs]) {
      pairs.delete(pair);
      pair.client.destroy();
      pair.upstream.destroy();
    }
  };
  return {
    path,
    get accepted() {
      return accepted;
    },
    cutAll,
    cutOnNextCall() {
      for (const pair of pairs) pair.cutOnData = true;
    },
    async stop() {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
