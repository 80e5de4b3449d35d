'use strict';
// Preloaded into a CLI process by runCli({ seed }): Math.random, the engine's default source, follows the seed.
const { register } = require('tsx/cjs/api');

// tsx compiles the shared PRNG only; left registered it would also transform the 4 MB CLI bundle (~0.7 s a run).
const unregister = register();
const { seededRandom } = require('./seededRandom.ts');
unregister();

const seed = Number(process.env.LLM_ROUTER_TEST_SEED);
if (!Number.isInteger(seed)) throw new Error(`LLM_ROUTER_TEST_SEED must be an integer, got '${process.env.LLM_ROUTER_TEST_SEED}'`);
Math.random = seededRandom(seed);
