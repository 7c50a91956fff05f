import { describe, expect, it } from 'vitest';
import { createTerminalProgress } from './progress.js';

function fakeTerminal() {
  const writes: string[] = [];
  return { writes, stream: { write: (s: string) => writes.push(s) } as unknown as NodeJS.WriteStream };
}

describe('terminal progress', () => {
  it('redraws one line with a bar, percentage and amounts, and clears it when done', async () => {
    const { writes, stream } = fakeTerminal();
    const task = createTerminalProgress(stream).start('upload t.tgz', 4 * 1024 * 1024, 'bytes');
    await new Promise((r) => setTimeout(r, 120));
    task.update(1024 * 1024);
    task.done();
    expect(writes[0]).toContain('upload t.tgz [');
    expect(writes[0]).toContain('  0% 0 B/4.0 MiB');
    expect(writes[1]).toContain(' 25% 1.0 MiB/4.0 MiB');
    expect(writes.every((w) => w.startsWith('\r\x1b[2K'))).toBe(true);
    expect(writes.at(-1)).toBe('\r\x1b[2K');
  });

  it('draws at most every 100 ms and shows a count when the total is unknown', () => {
    const { writes, stream } = fakeTerminal();
    const task = createTerminalProgress(stream).start('waiting', undefined, 'seconds');
    for (let i = 0; i < 50; i += 1) task.update(i);
    expect(writes).toHaveLength(1);
    expect(writes[0]).toContain('waiting 0s');
  });
});
