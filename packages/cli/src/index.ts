export { CliError, main } from './main.js';
