// Child of multi-process.test.ts: adds its own configuration, then bumps a shared counter
// `rounds` times, each through its own locked update.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [home, name, rounds] = process.argv.slice(2);
const dist = process.env.IMS_CORE_DIST;
const { createFileStateStore } = await import(pathToFileURL(join(dist, 'state', 'file-store.js')).href);
const store = createFileStateStore(home, { lockTimeoutMs: 30_000 });

await store.update((draft, secrets) => {
  draft.configs[name] = {
    name,
    provider: 'test',
    secretsId: secrets.add({}),
    options: { pid: process.pid },
    createdAt: new Date().toISOString(),
    templates: {},
  };
});
for (let round = 0; round < Number(rounds); round++) {
  await store.update((draft) => {
    const counter = draft.configs.counter;
    counter.options.count += 1;
    counter.options.by.push(name);
  });
}
