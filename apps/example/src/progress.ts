/**
 * A one-line progress bar on stderr, drawn only on a terminal and only once a
 * run has lasted long enough to need one (short runs and pipes stay clean).
 */
export class Progress {
  private readonly start = Date.now();
  private lastDraw = 0;
  private drawn = false;

  /** `enabled` is usually `process.stderr.isTTY`. */
  constructor(
    private readonly total: number,
    private readonly enabled: boolean,
    private readonly delayMs = 500,
  ) {}

  /** Report that step `t` (0-based) finished; redraws at most 10 times a second. */
  tick(t: number, lastLoss?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.start < this.delayMs || now - this.lastDraw < 100) return;
    this.lastDraw = now;
    this.drawn = true;
    const done = t + 1;
    const width = 30;
    const filled = Math.round((done / this.total) * width);
    const elapsed = (now - this.start) / 1000;
    const eta = (elapsed / done) * (this.total - done);
    const loss = lastLoss === undefined ? '' : `  loss ${lastLoss.toPrecision(4)}`;
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total}  ${elapsed.toFixed(1)} s, ~${eta.toFixed(0)} s left${loss}\x1b[K`);
  }

  /** Erase the bar so the next line starts clean. */
  done(): void {
    if (this.drawn) process.stderr.write('\r\x1b[K');
    this.drawn = false;
  }
}
