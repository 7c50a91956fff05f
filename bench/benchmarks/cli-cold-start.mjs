// Cold start of `ims plugins --json` with the three provider packages installed, against a bare
// `node -e ''`: what the host adds to Node's own start-up. Target: at most 2.5× (Vagrant's
// `plugin list` takes about 10× its runtime's start-up).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default {
  name: 'cli-cold-start-plugins',
  maxRatio: 2.5,
  runs: 21,
  setup: () => ({ home: mkdtempSync(join(tmpdir(), 'ims-bench-')) }),
  teardown: ({ home }) => rmSync(home, { recursive: true, force: true }),
  subject: ({ home }) => ({
    name: 'ims plugins --json',
    command: {
      argv: [process.execPath, 'packages/core/bin/ims.js', 'plugins', '--json'],
      env: { ...process.env, IMS_HOME: home },
    },
  }),
  baseline: () => ({ name: "node -e ''", command: { argv: [process.execPath, '-e', ''] } }),
};
