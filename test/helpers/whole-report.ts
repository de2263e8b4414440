/**
 * Loaded into every test process (`--import` in the test:unit script). Each test file's process
 * sends its results to the runner over its stdout, a pipe, and with `--test-force-exit` it calls
 * process.exit() as soon as its last test ends. Writes to a pipe are asynchronous on Linux, so
 * the exit could drop the last results still queued: the run then counted fewer tests than ran
 * and still passed (nodejs/node#64833). Blocking writes leave nothing queued at the exit.
 */
const stdout = process.stdout as NodeJS.WriteStream & {
  _handle?: { setBlocking?: (blocking: boolean) => void };
};
stdout._handle?.setBlocking?.(true);
