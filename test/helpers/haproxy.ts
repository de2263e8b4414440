/** Debian's haproxy, when installed (CI installs it in .ci/run). */
import { spawnSync } from 'node:child_process';

/** Where Debian puts it: /usr/sbin, which a user's PATH may lack. */
export const HAPROXY = ['haproxy', '/usr/sbin/haproxy'].find((command) => spawnSync(command, ['-v']).error === undefined);
export const HAPROXY_MISSING = HAPROXY === undefined ? 'haproxy is not installed (Debian: apt-get install haproxy; CI installs it in .ci/run)' : false;
