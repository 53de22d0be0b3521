import { describe, expect, it } from 'vitest';
import { pyFloat } from '../src/format.js';

describe('pyFloat prints numbers as Python prints floats', () => {
  it('matches repr() of the seed program\'s typical losses', () => {
    // expected strings are Python 3's print() of the same doubles
    expect(pyFloat(232.98216247558594)).toBe('232.98216247558594');
    expect(pyFloat(9.902544115902856e-5)).toBe('9.902544115902856e-05');
    expect(pyFloat(0.0001)).toBe('0.0001');
    expect(pyFloat(29408704)).toBe('29408704.0');
    expect(pyFloat(1.5e16)).toBe('1.5e+16');
    expect(pyFloat(0)).toBe('0.0');
    expect(pyFloat(-2.5e-7)).toBe('-2.5e-07');
    expect(pyFloat(NaN)).toBe('nan');
    expect(pyFloat(-Infinity)).toBe('-inf');
  });
});
