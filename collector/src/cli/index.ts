export {
  exportCommand,
  modelsCommand,
  networkInputFromRef,
  platformsCommand,
} from './client-commands.js';
export { collectorCommand } from './collector-command.js';
export { measurementsCommand } from './measurements-command.js';
