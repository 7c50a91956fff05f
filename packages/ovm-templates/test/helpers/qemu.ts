import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { join } from 'node:path';

/** One disk of the guest, attached as a virtio disk in the order given. */
export interface GuestDisk {
  /** Image file. */
  file: string;
  /** Its format, `raw` or `qcow2`. */
  format: 'raw' | 'qcow2';
  /** Attach read-only. */
  readonly?: boolean;
}

/** How to start the guest: direct kernel boot under TCG, user-mode networking restricted to the guest. */
export interface GuestOptions {
  /** Directory for the console log and the QMP / agent sockets (keep its path short). */
  workDir: string;
  /** Kernel image. */
  kernel: string;
  /** Initial ramdisk. */
  initrd: string;
  /** Kernel command line. */
  cmdline: string;
  /** Disks, vda first. */
  disks: GuestDisk[];
  /** MAC address of the one virtio NIC. */
  mac: string;
  /** Memory in MiB. */
  memoryMiB: number;
}

/** A running qemu process and the channels to it. */
export interface Guest {
  /** The qemu process id. */
  pid: number;
  /** Everything the guest wrote on its serial console so far. */
  console(): string;
  /**
   * Resolves with the ms since qemu started once the console matches `pattern`; rejects on timeout,
   * on exit, or at once when it matches `failOn`.
   */
  waitForConsole(pattern: RegExp, timeoutMs: number, failOn?: RegExp): Promise<number>;
  /** Sends one guest-agent command and resolves with its `return` value, retrying until the agent answers. */
  agent(command: Record<string, unknown>, timeoutMs: number): Promise<unknown>;
  /** Sends one QMP command and resolves with its `return` value. */
  qmp(command: Record<string, unknown>): Promise<unknown>;
  /** Resolves with qemu's exit code once it exits; rejects on timeout. */
  waitForExit(timeoutMs: number): Promise<number | null>;
  /** Kills qemu by its pid (SIGKILL) unless it has exited, and waits for it. */
  kill(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Starts qemu-system-x86_64 (`-accel tcg`, q35) with a serial log, a QMP socket and a guest-agent channel. */
export function startGuest(options: GuestOptions): Guest {
  const consoleLog = join(options.workDir, 'console.log');
  const qmpSocket = join(options.workDir, 'qmp.sock');
  const agentSocket = join(options.workDir, 'qga.sock');
  const args = [
    ...['-machine', 'q35', '-accel', 'tcg', '-m', String(options.memoryMiB), '-smp', '1'],
    ...['-display', 'none', '-monitor', 'none', '-no-reboot', '-serial', `file:${consoleLog}`],
    ...['-kernel', options.kernel, '-initrd', options.initrd, '-append', options.cmdline],
    ...options.disks.flatMap((disk) => [
      '-drive',
      `file=${disk.file},if=virtio,format=${disk.format}${disk.readonly === true ? ',readonly=on' : ''}`,
    ]),
    ...['-netdev', 'user,id=n0,restrict=on', '-device', `virtio-net-pci,netdev=n0,mac=${options.mac}`],
    ...['-chardev', `socket,id=qga0,path=${agentSocket},server=on,wait=off`],
    ...['-device', 'virtio-serial', '-device', 'virtserialport,chardev=qga0,name=org.qemu.guest_agent.0'],
    ...['-qmp', `unix:${qmpSocket},server=on,wait=off`],
  ];
  const startedAt = Date.now();
  const child: ChildProcess = spawn('qemu-system-x86_64', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error('qemu-system-x86_64 did not start: install it with apt-get install -y qemu-system-x86');
  }
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => {
    child.on('exit', (code) => {
      exitCode = code;
      resolve(code);
    });
  });

  const readConsole = (): string => {
    try {
      return readFileSync(consoleLog, 'utf8');
    } catch {
      return '';
    }
  };

  const describeExit = () =>
    `qemu exited with ${exitCode}; stderr: ${stderr.trim() || '(none)'}\nconsole:\n${readConsole()}`;

  return {
    pid,
    console: readConsole,
    async waitForConsole(pattern, timeoutMs, failOn) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const text = readConsole();
        if (pattern.test(text)) {
          return Date.now() - startedAt;
        }
        if (failOn?.test(text)) {
          throw new Error(`the console showed ${failOn} while waiting for ${pattern}:\n${text}`);
        }
        if (exitCode !== undefined) {
          throw new Error(`the console never showed ${pattern}: ${describeExit()}`);
        }
        if (Date.now() > deadline) {
          throw new Error(`the console did not show ${pattern} within ${timeoutMs} ms:\n${readConsole()}`);
        }
        await sleep(100);
      }
    },
    async agent(command, timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      let lastError: unknown;
      while (Date.now() < deadline) {
        if (exitCode !== undefined) {
          throw new Error(`no guest agent: ${describeExit()}`);
        }
        try {
          return await agentOnce(agentSocket, command);
        } catch (error) {
          lastError = error;
          await sleep(500);
        }
      }
      throw new Error(`the guest agent did not answer ${JSON.stringify(command)} within ${timeoutMs} ms`, {
        cause: lastError,
      });
    },
    qmp: (command) => qmpOnce(qmpSocket, command),
    async waitForExit(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`qemu still runs after ${timeoutMs} ms:\n${readConsole()}`)),
          timeoutMs,
        );
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async kill() {
      if (exitCode === undefined) {
        process.kill(pid, 'SIGKILL');
        await exited;
      }
    },
  };
}

/** Reads newline-delimited JSON messages from a socket and hands each to `onMessage`. */
function jsonLines(socket: Socket, onMessage: (message: Record<string, unknown>) => void): void {
  let buffered = '';
  socket.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      const line = buffered.slice(0, end).trim();
      buffered = buffered.slice(end + 1);
      if (line !== '') {
        onMessage(JSON.parse(line) as Record<string, unknown>);
      }
    }
  });
}

/**
 * One guest-agent exchange: `guest-sync` first (it flushes whatever an earlier, abandoned
 * connection left in the channel), then the command. Rejects after 3 s without an answer.
 */
function agentOnce(path: string, command: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const syncId = Math.floor(Math.random() * 1_000_000_000);
    const socket = createConnection(path);
    const timer = setTimeout(() => finish(new Error('no answer from the guest agent within 3 s')), 3000);
    let synced = false;
    const finish = (error: Error | undefined, value?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(value);
      else reject(error);
    };
    socket.on('error', (error) => finish(error));
    socket.on('connect', () => {
      socket.write(`${JSON.stringify({ execute: 'guest-sync', arguments: { id: syncId } })}\n`);
    });
    jsonLines(socket, (message) => {
      if (!synced) {
        if (message.return === syncId) {
          synced = true;
          socket.write(`${JSON.stringify(command)}\n`);
        }
        return;
      }
      if ('error' in message) finish(new Error(`guest agent error: ${JSON.stringify(message.error)}`));
      else finish(undefined, message.return);
    });
  });
}

/** One QMP session: capabilities negotiation, then the command; events are skipped. */
function qmpOnce(path: string, command: Record<string, unknown>): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(path);
    const timer = setTimeout(() => finish(new Error('no answer on the QMP socket within 10 s')), 10_000);
    let stage: 'greeting' | 'capabilities' | 'command' = 'greeting';
    const finish = (error: Error | undefined, value?: unknown) => {
      clearTimeout(timer);
      socket.destroy();
      if (error === undefined) resolve(value);
      else reject(error);
    };
    socket.on('error', (error) => finish(error));
    jsonLines(socket, (message) => {
      if ('error' in message) {
        finish(new Error(`QMP error: ${JSON.stringify(message.error)}`));
      } else if (stage === 'greeting' && 'QMP' in message) {
        stage = 'capabilities';
        socket.write(`${JSON.stringify({ execute: 'qmp_capabilities' })}\n`);
      } else if (stage === 'capabilities' && 'return' in message) {
        stage = 'command';
        socket.write(`${JSON.stringify(command)}\n`);
      } else if (stage === 'command' && 'return' in message) {
        finish(undefined, message.return);
      }
    });
  });
}
