// Spawned by stream.test.ts: logs N records to a file, then leaves the way argv[4] says.
import { createLogger } from '../index';

const [path, count, how] = process.argv.slice(2);
// 'stdout' means the default destination.
const logger = createLogger({
  ...(path === 'stdout' ? {} : { destination: path }),
  level: 'info',
  service: { name: 'exit-test' },
});
const n = Number(count);

if (how === 'sigterm') {
  // An app that handles SIGTERM by exiting, as a graceful shutdown would.
  process.on('SIGTERM', () => process.exit(0));
}

for (let i = 0; i < n; i++) logger.info('line', { seq: i, pad: 'x'.repeat(40) });

switch (how) {
  case 'exit':
    process.exit(0);
    break;
  case 'throw':
    throw new Error('crash after logging');
  case 'sigterm':
    setInterval(() => undefined, 1000);
    process.stdout.write('ready\n');
    break;
  default:
  // 'natural': the event loop simply runs dry.
}
