import type { DataName, LabConfig, LabLive } from './protocol.js';

/**
 * What each data set starts with: settings that learn it in seconds, measured
 * in test/lab-engine.test.ts (test accuracy after 1000 steps; 1500 for circles, 2000 for spirals).
 * Circles and spirals get less noise than moons: circles' rings are 0.2 apart,
 * so noise 0.1 alone caps any classifier near 0.84.
 */
export const PRESETS: Record<DataName, { config: Omit<LabConfig, 'seed' | 'device'>; live: LabLive }> = {
  moons: { config: { data: 'moons', n: 400, noise: 0.1, testFraction: 0.25, hidden: [8, 8], activation: 'relu' }, live: { lr: 0.03, batch: 16, optimizer: 'adam' } },
  circles: { config: { data: 'circles', n: 400, noise: 0.05, testFraction: 0.25, hidden: [8, 8], activation: 'tanh' }, live: { lr: 0.03, batch: 16, optimizer: 'adam' } },
  spirals: { config: { data: 'spirals', n: 400, noise: 0.05, testFraction: 0.25, hidden: [16, 16], activation: 'relu' }, live: { lr: 0.03, batch: 16, optimizer: 'adam' } },
  xor: { config: { data: 'xor', n: 400, noise: 0.1, testFraction: 0.25, hidden: [8, 8], activation: 'relu' }, live: { lr: 0.03, batch: 16, optimizer: 'adam' } },
};

/** Steps each preset is trained for in the tests, and the test accuracy it reaches by then at least. */
export const PRESET_TARGETS: Record<DataName, { steps: number; testAcc: number }> = {
  moons: { steps: 1000, testAcc: 0.9 },
  circles: { steps: 1500, testAcc: 0.9 },
  spirals: { steps: 2000, testAcc: 0.8 },
  xor: { steps: 1000, testAcc: 0.9 },
};
