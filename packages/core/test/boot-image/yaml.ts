import { spawnSync } from 'node:child_process';
import { requireTool, runTool } from './tools.js';

const LOADER = `
import json, sys
try:
    import yaml
except ImportError:
    sys.stderr.write("PyYAML is missing: apt-get install -y python3-yaml (or pip install pyyaml)\\n")
    sys.exit(3)
documents = json.load(sys.stdin)
print(json.dumps([yaml.safe_load(document) for document in documents], ensure_ascii=True))
`;

/** Each document as PyYAML's `safe_load` (what cloud-init uses) reads it; fails when python3 or PyYAML is missing. */
export async function loadWithPyYaml(documents: readonly string[]): Promise<unknown[]> {
  // The first python3 on PATH may be a separate install without PyYAML; Debian's python3-yaml
  // (installed by scripts/setup.sh) belongs to /usr/bin/python3.
  const onPath = await requireTool('python3');
  const python = (await hasPyYaml(onPath)) ? onPath : '/usr/bin/python3';
  const { stdout } = await runTool(python, ['-c', LOADER], JSON.stringify(documents));
  return JSON.parse(stdout.toString('utf8')) as unknown[];
}

async function hasPyYaml(python: string): Promise<boolean> {
  return spawnSync(python, ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0;
}
