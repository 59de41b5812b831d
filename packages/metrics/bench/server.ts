// One benchmark app on a port, for wrk: node server.ts <contender|bare> <first|after> <port>
import { serve } from '@hono/node-server';
import { benchApp, type Contender } from './apps';

const [contender, position, port] = process.argv.slice(2);
const app = benchApp(contender as Contender | 'bare', position === 'first');
serve({ fetch: app.fetch, port: Number(port), hostname: '127.0.0.1' }, () => console.log('ready'));
