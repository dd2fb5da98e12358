#!/usr/bin/env node
// `npm run worker`: compiles scripts/worker.ts (scripts/lib/worker-build.mjs) and runs it with the
// worker's Node flags, passing signals on and exiting with its code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT, workerCommand } from './lib/worker-build.mjs';

const { command, args } = await workerCommand('scripts/worker.ts', path.join(ROOT, 'node_modules', '.cache', 'weir', 'worker.mjs'));
const child = spawn(command, args, { stdio: 'inherit' });
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
