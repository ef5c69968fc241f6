#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so no build step sits between a checkout and a run.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../packages/cli/src/main.ts');
process.exitCode = await main(process.argv.slice(2));
