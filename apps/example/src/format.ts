/**
 * A number as Python's `print(float)` shows it, so the loss lines read like the
 * PyTorch program's: shortest round-trip digits, `1e-05` style exponents below
 * 1e-4 and from 1e16 up, and a trailing `.0` on whole numbers.
 */
export function pyFloat(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) {
    const [mantissa, exp] = v.toExponential().split('e') as [string, string];
    const sign = exp.startsWith('-') ? '-' : '+';
    const digits = exp.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return Number.isInteger(v) ? `${v}.0` : String(v);
}
