// Child of multi-process.test.ts that dies holding the state lock (the parent SIGKILLs it):
//   pause: inside the update, leave what a write cut short leaves (a partial temp file), write
//          the marker file, and wait to be killed;
//   huge:  save a state so large that writing and fsyncing the temp file takes a while, giving
//          the parent time to kill it mid-write.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [mode, home, marker] = process.argv.slice(2);
const dist = process.env.IMS_CORE_DIST;
const { createFileStateStore } = await import(pathToFileURL(join(dist, 'state', 'file-store.js')).href);
const store = createFileStateStore(home, { lockTimeoutMs: 30_000 });

await store.update(async (draft, secrets) => {
  draft.configs.victim = {
    name: 'victim',
    provider: 'test',
    secretsId: secrets.add({}),
    options: {},
    createdAt: new Date().toISOString(),
    templates: {},
  };
  if (mode === 'huge') {
    draft.configs.victim.options.padding = 'x'.repeat(64 * 1024 * 1024);
    return;
  }
  await writeFile(join(home, `state.json.${process.pid}.cutshort.tmp`), '{"version": 1, "configs": {"vic');
  await writeFile(marker, String(process.pid));
  setInterval(() => undefined, 1000);
  await new Promise(() => undefined);
});
