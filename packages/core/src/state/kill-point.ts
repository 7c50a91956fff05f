/**
 * Named points between the writes of a state update, where a test can have the process die as if
 * killed (power loss, OOM killer, `kill -9`), to prove the files on disk agree at each of them.
 *
 * Inert unless `IMS_TEST_KILL_AT` names the point exactly; all it can do is SIGKILL the process
 * itself, which whoever sets the variable could do anyway.
 */
export type KillPoint =
  /** New secrets entries are saved; state.json is not yet replaced. */
  | 'state-update:secrets-added'
  /** state.json is replaced; dead secrets entries are not yet removed. */
  | 'state-update:state-saved';

/** Dies here with SIGKILL when `IMS_TEST_KILL_AT` names this point; otherwise does nothing. */
export function killPoint(point: KillPoint): void {
  if (process.env.IMS_TEST_KILL_AT === point) process.kill(process.pid, 'SIGKILL');
}
