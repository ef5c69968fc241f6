export {
  exportCommand,
  modelsCommand,
  networkInputFromRef,
  platformsCommand,
  printPrediction,
  type RemotePredictArgs,
  remotePredictCommand,
  runRemotePredict,
} from './client-commands.js';
export { collectorCommand } from './collector-command.js';
