import type { ProgressReporter, ProgressTask } from '@ims/spi';
import { formatBytes } from './format.js';

/** A reporter that draws nothing (stderr is not a terminal, or `--json`). */
export const silentProgress: ProgressReporter = {
  start: () => ({ update() {}, done() {} }),
};

const WIDTH = 28;

function formatAmount(value: number, unit: string | undefined): string {
  if (unit === 'bytes') return formatBytes(value);
  return unit === 'seconds' ? `${value.toFixed(0)}s` : String(Math.round(value));
}

/** A reporter that redraws one line on a terminal stream, at most every 100 ms. */
export function createTerminalProgress(stream: NodeJS.WriteStream): ProgressReporter {
  return {
    start(label, total, unit): ProgressTask {
      let known = total;
      let lastDraw = 0;
      const draw = (done: number, force = false) => {
        const now = Date.now();
        if (!force && now - lastDraw < 100) return;
        lastDraw = now;
        let text: string;
        if (known !== undefined && known > 0) {
          const ratio = Math.min(1, done / known);
          const filled = Math.round(ratio * WIDTH);
          text = `${label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${formatAmount(done, unit)}/${formatAmount(known, unit)}`;
        } else {
          text = `${label} ${formatAmount(done, unit)}`;
        }
        stream.write(`\r\x1b[2K${text}`);
      };
      draw(0, true);
      return {
        update(done, newTotal) {
          if (newTotal !== undefined) known = newTotal;
          draw(done);
        },
        done() {
          stream.write('\r\x1b[2K');
        },
      };
    },
  };
}
