// Graphile Worker side of test/bench/bench_engine.sh.
//
//   node run.mjs migrate CONNSTRING
//       installs/updates the graphile_worker schema (not timed)
//   node run.mjs work CONNSTRING CONFIG N TIMEOUT_S
//       runs a worker pool with a no-op task until the N jobs already queued are all
//       done (deleted from graphile_worker._private_jobs), and prints one JSON line:
//       {"config":..,"jobs":N,"seconds":..,"jobs_per_s":..,"options":{..}}
//       CONFIG is "default" (the library's defaults) or "fast" (the fastest
//       configuration from Graphile Worker's performance docs: localQueue of 500,
//       batched completion/failure, 24 concurrent jobs).
// The clock starts before run() (pool start-up included) and stops when the database
// holds no job any more (so batched completions must have been flushed).
import { run, runMigrations, Logger } from "graphile-worker";
import pg from "pg";

const [, , cmd, connectionString, config = "default", nArg = "100000", timeoutArg = "240"] =
  process.argv;

// Quiet logger: only errors.
const logger = new Logger(() => (level, message) => {
  if (level === "error") console.error(`graphile-worker: ${message}`);
});

const CONFIGS = {
  default: {},
  fast: {
    concurrentJobs: 24,
    maxPoolSize: 10,
    localQueue: { size: 500 },
    completeJobBatchDelay: 0,
    failJobBatchDelay: 0,
  },
};

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

async function main() {
  if (cmd === "migrate") {
    await runMigrations({ connectionString, logger });
    return 0;
  }
  if (cmd !== "work" || !(config in CONFIGS)) {
    console.error("usage: node run.mjs migrate CONN | work CONN default|fast N TIMEOUT_S");
    return 64;
  }
  const n = Number(nArg);
  const deadline = Date.now() + Number(timeoutArg) * 1000;
  const options = CONFIGS[config];
  const probe = new pg.Client({ connectionString });
  await probe.connect();
  const remaining = async () =>
    Number(
      (await probe.query("SELECT count(*) AS n FROM graphile_worker._private_jobs")).rows[0].n,
    );
  const queued = await remaining();
  if (queued !== n) {
    console.error(`expected ${n} queued jobs, found ${queued}`);
    await probe.end();
    return 1;
  }

  let executed = 0;
  const t0 = process.hrtime.bigint();
  const runner = await run({
    logger,
    noHandleSignals: true,
    preset: { worker: { connectionString, ...options } },
    taskList: {
      noop: async () => {
        executed++;
      },
    },
  });
  // Cheap while the jobs run (the task counter), precise at the end (the database).
  let left = n;
  while (Date.now() < deadline) {
    if (executed < n) {
      await sleep(20);
      continue;
    }
    left = await remaining();
    if (left === 0) break;
    await sleep(2);
  }
  const t1 = process.hrtime.bigint();
  if (left !== 0) left = await remaining();
  await runner.stop();
  await probe.end();
  const seconds = Number(t1 - t0) / 1e9;
  const done = n - left;
  console.log(
    JSON.stringify({
      config,
      jobs: done,
      executed,
      seconds: Number(seconds.toFixed(3)),
      jobs_per_s: Math.round(done / seconds),
      timed_out: left !== 0,
      options,
    }),
  );
  return left === 0 ? 0 : 2;
}

main().then(
  (rc) => process.exit(rc),
  (e) => {
    console.error(`graphile-worker bench: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
