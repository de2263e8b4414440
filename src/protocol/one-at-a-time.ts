/**
 * A reload run one at a time, and at most once more behind it however often it is asked for
 * meanwhile: that one reads the files when it starts, so it answers every request that came
 * while the first ran (a storm of SIGHUPs, a certificate's files changing one after the other).
 *
 * @example
 * const reload = oneAtATime(() => loadAndApply());
 * process.on('SIGHUP', reload);
 */
export function oneAtATime(run: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  const start = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    // A run that rejects has said why itself (or had nothing to say): the next one still comes.
    const done = () => {
      running = false;
      if (again) {
        again = false;
        start();
      }
    };
    run().then(done, done);
  };
  return start;
}
