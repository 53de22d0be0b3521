export { TensorDataset, Subset, type Dataset, type Sample } from './dataset.js';
export { DataLoader, type Batch, type DataLoaderOptions } from './loader.js';
export { randomSplit, type RandomSplitOptions } from './split.js';
export { moons, circles, spirals, xor, type ToyOptions, type CirclesOptions } from './toy.js';
export { digits, type DigitsOptions } from './digits.js';
