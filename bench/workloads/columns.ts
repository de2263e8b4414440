/** Table columns shared by the load workloads, made from a row's measured runs. */
import { fmtInt, fmtMs, fmtShare } from '../report/format.ts';
import type { Cells, Measured } from './runner.ts';

const spread = (m: Measured, fmt: (n: number) => string) => `${fmt(Math.min(...m.samples))}-${fmt(Math.max(...m.samples))}`;

/**
 * How busy the server and the generator were (which one was the limit), and how much CPU
 * everything else on the machine took meanwhile (shares of one core).
 */
export const CPU_COLUMNS = ['server CPU', 'load-gen CPU', 'others CPU'];
const cpuCells = (m: Measured) => [fmtShare(m.metrics.serverCpu), fmtShare(m.metrics.generatorCpu), fmtShare(m.metrics.othersCpu)];

/** Throughput per core-second of server CPU: the rate on a whole core of its own, were the server the limit. */
const perCore = (m: Measured) => fmtInt(m.metrics.perServerCore);

export const LOAD_COLUMNS = ['req/s (median)', 'runs min-max', 'p50 ms', 'p99 ms', ...CPU_COLUMNS, 'req per server CPU-second', 'errors'];

export const loadCells: Cells = (m) => [fmtInt(m.value), spread(m, fmtInt), fmtMs(m.metrics.p50), fmtMs(m.metrics.p99), ...cpuCells(m), perCore(m), fmtInt(m.errors)];

/** For workloads whose headline is a time per call (ms), lower is better. */
export const TIME_COLUMNS = ['ms per call (median)', 'runs min-max', 'p99 ms', ...CPU_COLUMNS, 'errors'];

export const timeCells: Cells = (m) => [fmtMs(m.value), spread(m, fmtMs), fmtMs(m.metrics.p99), ...cpuCells(m), fmtInt(m.errors)];

/** Listings that may take several pages. */
export const LIST_COLUMNS = ['listings/s (median)', 'runs min-max', 'pages per listing', 'p50 ms per page', ...CPU_COLUMNS, 'listings per server CPU-second', 'errors'];

export const listCells: Cells = (m) => [fmtInt(m.value), spread(m, fmtInt), (m.metrics.requestsPerOp ?? 1).toFixed(2), fmtMs(m.metrics.p50), ...cpuCells(m), perCore(m), fmtInt(m.errors)];
