/** gpu.js's texture shape for n values (utils.closestSquareDimensions): near-square, at least n texels. */
export function closestSquare(length: number): [number, number] {
  const sqrt = Math.sqrt(length);
  let high = Math.ceil(sqrt);
  let low = Math.floor(sqrt);
  while (high * low < length) {
    high--;
    low = Math.ceil(length / high);
  }
  return [low, Math.ceil(length / low)];
}
