/** What one invocation wrote and how it ended. */
export interface SimResult {
  /** Exit code: 0 success, 1 failure, 2 syntax error. */
  exitCode: number;
  /** Standard output. */
  stdout: string;
  /** Standard error. */
  stderr: string;
}

// confirmed: reference "Output formats" (clonevm) — the progress line VBoxManage draws on stderr
/** The complete progress line of a finished operation. */
export const PROGRESS_LINE = '0%...10%...20%...30%...40%...50%...60%...70%...80%...90%...100%\n';

/** Collects stdout and stderr of one invocation. */
export class Output {
  private out = '';
  private err = '';
  /** Overrides the exit code of a command that otherwise succeeded (the startvm quirk). */
  exitCode = 0;

  /** Appends to stdout. */
  stdout(text: string): void {
    this.out += text;
  }

  /** Appends to stderr. */
  stderr(text: string): void {
    this.err += text;
  }

  /** Draws a finished progress bar on stderr. */
  progress(): void {
    this.err += PROGRESS_LINE;
  }

  /** The result with the given exit code. */
  result(exitCode: number): SimResult {
    return { exitCode, stdout: this.out, stderr: this.err };
  }
}
