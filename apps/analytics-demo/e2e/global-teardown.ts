import { teardown } from './summary';

export default teardown;
