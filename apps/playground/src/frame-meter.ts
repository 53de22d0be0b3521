/**
 * The longest gap between two animation frames while a run trains: how long
 * the page stood still (a stutter) at its worst. It counts frames with
 * requestAnimationFrame from start() to stop() and shows the largest gap in
 * `out` (its data-ms holds the number, for scripts and the tests). A hidden
 * page gets no frames, so gaps while hidden are not counted.
 */
export class FrameMeter {
  private running = false;
  private last = 0;
  private max = 0;
  private frames = 0;

  constructor(private readonly out: HTMLElement) {}

  /** Start measuring afresh. */
  start(): void {
    this.max = 0;
    this.frames = 0;
    this.last = 0;
    if (this.running) return;
    this.running = true;
    const tick = (now: number): void => {
      if (!this.running) return;
      if (this.last && !document.hidden) this.max = Math.max(this.max, now - this.last);
      this.last = now;
      this.frames++;
      this.show();
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  }

  /** Stop measuring; the figure stays shown. */
  stop(): void {
    this.running = false;
    this.show();
  }

  /** The largest gap so far, in milliseconds. */
  get maxGap(): number {
    return this.max;
  }

  private show(): void {
    if (this.frames < 2) return;
    this.out.textContent = `${Math.round(this.max)} ms`;
    this.out.dataset.ms = String(Math.round(this.max));
    this.out.dataset.frames = String(this.frames);
  }
}
