export { trainCommand } from './train-command.js';
