// Child process for the orphan tests: starts an nvidia-smi sampler, reports its child's pid,
// then either waits to be killed or exits without stopping the sampler (argv[2]).
import { NvidiaSmiSampler } from '../../src/power/nvidia-smi/index.js';

const sampler = new NvidiaSmiSampler({ gpuIndex: 0, intervalMs: 20, supportedFields: [] });
await sampler.start();
process.stdout.write(`${JSON.stringify({ pid: sampler.childPid })}\n`);
if (process.argv[2] === 'exit') process.exit(0);
setInterval(() => {}, 1000);
