/**
 * Memory and start (issue 14, item 4), run by bench/run.mjs after the scenarios (BENCH_MEMORY=0
 * skips it) on the same, already migrated database:
 *
 *   - cold start: spawn `node dist/src/main.js` (PROCESS_ROLE=all) and poll GET /ready every
 *     20 ms until the first 200; BENCH_STARTS times (default 3), the median is reported;
 *   - RSS per role: PROCESS_ROLE=all (the first of those starts), api and worker; each idles
 *     3 s after /ready, then VmRSS (/proc/<pid>/status) is read (idle); api and all then take the
 *     mixed scenario's cycle for BENCH_DURATION s at BENCH_CONNECTIONS and VmRSS is read at the
 *     end of the load (and its peak, sampled every second).
 *
 * Only one app process runs at a time (the benchmark's own app and raw server are stopped).
 */
import {
  freePort,
  log,
  median,
  rssMb,
  runLoad,
  sleep,
  startApp,
  stopChild,
  waitReady,
} from './lib.mjs';

const SETTLE_MS = 3000;

/**
 * `env(role, port)` builds the app's environment; `cycle` is the mixed scenario's request cycle
 * (undefined: no load phase, e.g. on the embedded database).
 */
export async function measureMemoryAndStart({ env, cycle, connections, duration, starts }) {
  const coldStartMs = [];
  const roles = [];

  const launch = async (role) => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const handle = startApp(`app:${role}`, env(role, port));
    const startMs = await waitReady(handle, url, 60_000, 20);
    return { handle, url, startMs };
  };

  const measure = async (role, { handle, url, startMs }, withLoad) => {
    await sleep(SETTLE_MS);
    const entry = { role, startMs: Math.round(startMs), idleRssMb: rssMb(handle.child.pid) };
    if (withLoad && cycle) {
      const result = await runLoad({
        url,
        requests: cycle,
        connections,
        duration,
        pid: handle.child.pid,
      });
      Object.assign(entry, {
        loadRssMb: result.rssMb.end,
        loadPeakRssMb: result.rssMb.peak,
        loadReqPerSec: result.reqPerSec,
        loadFailed: result.failed,
      });
    }
    log(
      `memory ${role}: ready in ${entry.startMs} ms, idle RSS ${entry.idleRssMb} MB` +
        (entry.loadRssMb !== undefined
          ? `, under load ${entry.loadRssMb} MB (peak ${entry.loadPeakRssMb} MB, ${Math.round(entry.loadReqPerSec)} req/s)`
          : ''),
    );
    roles.push(entry);
  };

  for (let i = 0; i < starts; i++) {
    const started = await launch('all');
    coldStartMs.push(Math.round(started.startMs));
    log(
      `cold start ${i + 1}/${starts}: ${Math.round(started.startMs)} ms to the first 200 of /ready`,
    );
    if (i === 0) await measure('all', started, true);
    await stopChild(started.handle);
  }
  for (const [role, withLoad] of [
    ['api', true],
    ['worker', false],
  ]) {
    const started = await launch(role);
    await measure(role, started, withLoad);
    await stopChild(started.handle);
  }
  return {
    coldStart: { samplesMs: coldStartMs, medianMs: median(coldStartMs), targetMs: 2000 },
    roles,
    method:
      'start = spawn to the first 200 of GET /ready (polled every 20 ms), database already migrated; ' +
      `idle RSS = VmRSS ${SETTLE_MS / 1000} s after ready; under load = VmRSS at the end of ` +
      `${duration} s of the mixed cycle at ${connections} connections`,
  };
}
