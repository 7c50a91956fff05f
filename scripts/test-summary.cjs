// Prints vitest's JSON report as one plain line: "tests: N passed, N failed".
const report = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed`);
