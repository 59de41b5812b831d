// One benchmark app on a port, for wrk: node server.ts <contender> <port>
import { serve } from '@hono/node-server';
import { benchApp, setUp, type Contender } from './apps';

const [contender, port] = process.argv.slice(2) as [Contender, string];
setUp(contender);
serve({ fetch: benchApp(contender).fetch, port: Number(port), hostname: '127.0.0.1' }, () =>
  console.log('ready'),
);
