import { setup } from './summary';

export default setup;
