// Run as a child process by process.test.ts: installs the handlers, then fails the way argv says.
import { initErrors } from './init';
import { installProcessHandlers } from './process';

const errors = initErrors({ dsn: process.env.TEST_DSN });
installProcessHandlers({
  errors,
  // Generous: the process exits as soon as the flush is done, and the test needs the event.
  flushTimeoutMs: 60_000,
  log: (error, kind) => {
    process.stdout.write(`logged ${kind}: ${(error as Error).message}\n`);
  },
});
setTimeout(() => {
  if (process.argv[2] === 'rejection') void Promise.reject(new Error('nobody awaited this'));
  else throw new Error('nobody caught this');
}, 10);
