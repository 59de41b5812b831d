// Spawned by logger.test.ts: an app that logs from its own process.on('exit') handlers, one
// registered before the logger exists and one after, to a file and to stdout.
import { createLogger } from './index';

const [path, how] = process.argv.slice(2);
// Runs at exit, when `logger` has long been created.
process.on('exit', (code) => logger.info('exit handler registered first', { code }));
const logger = createLogger({ destination: [path!, 'stdout'], service: { name: 'exit-test' } });
process.on('exit', (code) => logger.info('exit handler registered last', { code }));
logger.info('started');
if (how === 'exit') process.exit(0);
