import * as io from '../core/io.js';

/**
 * Ctrl-C during a rotation run. Node's default for SIGINT kills the process at once, in the
 * middle of whatever step was running, and without a word; a run must instead stop at a step
 * boundary, journal itself as interrupted (so `apply --list-runs` and `incident status` see it
 * unfinished and `apply --resume` continues it) and exit 130 with "Cancelled." like Ctrl-C at a
 * prompt. So while a run is under way the first SIGINT aborts the run's signal, and a second one
 * restores the default and kills the process (the journal still reads unfinished, as after a kill).
 */
export function stopOnSigint(outer?: AbortSignal): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) {
      process.off('SIGINT', onSigint);
      process.kill(process.pid, 'SIGINT');
      return;
    }
    io.err().write('\nCtrl-C: stopping after the step under way (press it again to stop at once); the run can be resumed.\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return {
    signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal,
    dispose: () => process.off('SIGINT', onSigint),
  };
}
