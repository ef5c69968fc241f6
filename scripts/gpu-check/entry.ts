/** The `neuralpower` CLI as one file for the GPU bundle (prepare.sh): no tsx loader there. */
import { main } from '../../packages/cli/src/main.js';

process.exitCode = await main(process.argv.slice(2));
