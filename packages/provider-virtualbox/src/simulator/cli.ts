import { runVBoxManage } from './engine.js';

// The executable face of the simulator: `vboxmanage-sim` and the generated `VBoxManage` wrappers.
const result = await runVBoxManage(process.argv.slice(2), process.env);
process.stdout.write(result.stdout);
process.stderr.write(result.stderr);
process.exitCode = result.exitCode;
