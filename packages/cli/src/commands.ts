import { agentCommand } from '@neuralpower/agent/cli';
import {
  collectorCommand,
  exportCommand,
  modelsCommand,
  platformsCommand,
  remotePredictCommand,
} from '@neuralpower/collector';
import type { CommandModule } from 'yargs';
import { fitCommand } from './commands/fit.js';
import { networksCommand } from './commands/networks.js';
import { predictCommand } from './commands/predict.js';
import { quickstartCommand } from './commands/quickstart.js';

/**
 * Every `neuralpower` command. A package adds its commands with one line here;
 * the modules themselves live with the package that implements them.
 */
// biome-ignore lint/suspicious/noExplicitAny: yargs command modules differ in their argument types.
export const commands: CommandModule<any, any>[] = [
  networksCommand,
  fitCommand,
  predictCommand,
  collectorCommand,
  platformsCommand,
  modelsCommand,
  exportCommand,
  remotePredictCommand,
  agentCommand,
  quickstartCommand,
];
