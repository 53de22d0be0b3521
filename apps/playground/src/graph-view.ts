/** A viewBox: the part of the picture shown, in the SVG's own units. */
interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

// The tallest a fitted graph may be, as a share of the window's height (a tall backward graph then fits by height).
const MAX_HEIGHT = 0.75;

/**
 * A graph picture that fits its panel: the SVG is scaled to the panel's width
 * (height in proportion, at most 3/4 of the window), and can be zoomed (wheel,
 * + and − buttons) and panned (drag, or the arrow keys when focused) by moving
 * its viewBox; "Fit" shows all of it again. The picture itself is not redrawn.
 */
export class GraphView {
  private svg: SVGSVGElement | null = null;
  private full: Box = { x: 0, y: 0, w: 1, h: 1 };
  private box: Box = { x: 0, y: 0, w: 1, h: 1 };
  private readonly viewport: HTMLElement;

  /** `host` receives a toolbar and a viewport; `label` names the graph on the buttons. */
  constructor(
    private readonly host: HTMLElement,
    label: string,
  ) {
    const bar = document.createElement('div');
    bar.className = 'graph-tools';
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', `Zoom the ${label}`);
    const button = (text: string, title: string, cls: string, fn: () => void): void => {
      const b = document.createElement('button');
      b.type = 'button';
      b.textContent = text;
      b.title = title;
      b.setAttribute('aria-label', `${title} (${label})`);
      b.className = cls;
      b.addEventListener('click', fn);
      bar.append(b);
    };
    button('+', 'Zoom in', 'zoom-in', () => this.zoom(1 / 1.25));
    button('−', 'Zoom out', 'zoom-out', () => this.zoom(1.25));
    button('Fit', 'Fit to the panel', 'fit', () => this.fit());
    this.viewport = document.createElement('div');
    this.viewport.className = 'graph-viewport';
    this.viewport.tabIndex = 0;
    this.viewport.setAttribute('aria-label', `${label}: drag or use the arrow keys to pan, the wheel or + and − to zoom`);
    host.replaceChildren(bar, this.viewport);
    this.listen();
    // A panel that changes width (a window resized, a tab shown) refits a graph the user has not zoomed.
    let width = 0;
    new ResizeObserver(() => {
      const w = this.viewport.clientWidth;
      if (w === width) return;
      width = w;
      if (this.svg && this.box.w === this.full.w && this.box.x === this.full.x) this.fit();
    }).observe(this.viewport);
  }

  /** Show `svg` (already parsed and imported), fitted to the panel's width. */
  show(svg: SVGSVGElement): void {
    const vb = svg.viewBox.baseVal;
    const w = vb && vb.width ? vb.width : Number(svg.getAttribute('width')) || 600;
    const h = vb && vb.height ? vb.height : Number(svg.getAttribute('height')) || 400;
    this.full = { x: vb?.x ?? 0, y: vb?.y ?? 0, w, h };
    svg.removeAttribute('width');
    svg.removeAttribute('height');
    svg.setAttribute('preserveAspectRatio', 'xMidYMid meet');
    this.svg = svg;
    this.viewport.replaceChildren(svg);
    this.fit();
  }

  /** Show the whole picture, as wide as the panel. */
  fit(): void {
    const width = this.viewport.clientWidth || this.host.clientWidth || this.full.w;
    const height = Math.min((width * this.full.h) / this.full.w, window.innerHeight * MAX_HEIGHT);
    this.viewport.style.height = `${Math.max(120, Math.round(height))}px`;
    this.set({ ...this.full });
  }

  /** Zoom by `factor` (< 1 in, > 1 out) around a point given as a share of the viewport (the centre by default). */
  zoom(factor: number, fx = 0.5, fy = 0.5): void {
    const b = this.box;
    // No further out than twice the whole picture, no further in than 1/20 of it.
    const w = Math.min(this.full.w * 2, Math.max(this.full.w / 20, b.w * factor));
    const k = w / b.w;
    const h = b.h * k;
    this.set({ x: b.x + (b.w - w) * fx, y: b.y + (b.h - h) * fy, w, h });
  }

  /** Move the view by (dx, dy) screen pixels. */
  pan(dx: number, dy: number): void {
    const s = this.scale();
    this.set({ ...this.box, x: this.box.x - dx * s, y: this.box.y - dy * s });
  }

  /** The current viewBox (for tests and scripts). */
  view(): Readonly<Box> {
    return { ...this.box };
  }

  // SVG units per screen pixel: `meet` scales by the tighter of the two sides.
  private scale(): number {
    const r = this.viewport.getBoundingClientRect();
    return Math.max(this.box.w / Math.max(1, r.width), this.box.h / Math.max(1, r.height));
  }

  private set(b: Box): void {
    this.box = b;
    const r = (v: number): number => Math.round(v * 10) / 10;
    this.svg?.setAttribute('viewBox', `${r(b.x)} ${r(b.y)} ${r(b.w)} ${r(b.h)}`);
    this.viewport.dataset.zoom = (this.full.w / b.w).toFixed(3);
  }

  private listen(): void {
    const v = this.viewport;
    v.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = v.getBoundingClientRect();
        this.zoom(e.deltaY < 0 ? 1 / 1.15 : 1.15, (e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
      },
      { passive: false },
    );
    let drag: { x: number; y: number; id: number } | null = null;
    v.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, id: e.pointerId };
      v.setPointerCapture(e.pointerId);
      v.classList.add('dragging');
    });
    v.addEventListener('pointermove', (e) => {
      if (!drag || e.pointerId !== drag.id) return;
      this.pan(e.clientX - drag.x, e.clientY - drag.y);
      drag.x = e.clientX;
      drag.y = e.clientY;
    });
    const end = (e: PointerEvent): void => {
      if (drag && e.pointerId === drag.id) drag = null;
      v.classList.remove('dragging');
    };
    v.addEventListener('pointerup', end);
    v.addEventListener('pointercancel', end);
    v.addEventListener('keydown', (e) => {
      const step = 40;
      const moves: Record<string, [number, number]> = { ArrowLeft: [step, 0], ArrowRight: [-step, 0], ArrowUp: [0, step], ArrowDown: [0, -step] };
      const m = moves[e.key];
      if (m) this.pan(m[0], m[1]);
      else if (e.key === '+' || e.key === '=') this.zoom(1 / 1.25);
      else if (e.key === '-') this.zoom(1.25);
      else if (e.key === '0') this.fit();
      else return;
      e.preventDefault();
    });
  }
}
