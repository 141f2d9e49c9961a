// Preloaded with --import into a pdbm process by the fault tests: every worker thread dies 0.5 s
// after it starts (terminated from outside, as a thread killed by a crash or out of memory would),
// so whatever it is running fails.
import wt from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';

if (wt.isMainThread) {
  const Original = wt.Worker;
  wt.Worker = class CrashingWorker extends Original {
    constructor(...args) {
      super(...args);
      setTimeout(() => void this.terminate(), 500).unref();
    }
  };
  syncBuiltinESMExports();
}
