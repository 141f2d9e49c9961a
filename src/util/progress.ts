/**
 * Progress on stderr, only when stderr is a terminal or `--progress` was given, so that stdout
 * stays clean machine-readable output. On a terminal: one self-overwriting line with a bar and an
 * ETA; otherwise plain lines at every 10%.
 */
export class Progress {
  private readonly start = Date.now();
  private lastDecile = -1;
  private readonly tty: boolean;

  constructor(private readonly label: string, private readonly enabled: boolean) {
    this.tty = Boolean(process.stderr.isTTY);
  }

  /** Reports `done` of `total` units of work. */
  update(done: number, total: number): void {
    if (!this.enabled || total <= 0) return;
    const frac = Math.min(1, done / total);
    const elapsed = (Date.now() - this.start) / 1000;
    const eta = done > 0 ? (elapsed * (total - done)) / done : NaN;
    const text = `${this.label}: ${done}/${total} (${(100 * frac).toFixed(0)}%), ${elapsed.toFixed(1)} s elapsed, ETA ${Number.isFinite(eta) ? `${eta.toFixed(1)} s` : '?'}`;
    if (this.tty) {
      const width = 24;
      const fill = Math.round(frac * width);
      process.stderr.write(`\r[${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${text}\x1b[K`);
      if (done >= total) process.stderr.write('\n');
      return;
    }
    const decile = Math.floor(frac * 10);
    if (decile > this.lastDecile) {
      this.lastDecile = decile;
      process.stderr.write(`${text}\n`);
    }
  }
}

/** A unit of work with its a-priori cost estimate (seconds on one core of a typical machine). */
export interface CostUnit {
  key: string;
  /** Units of one method share one calibration (measured seconds / estimate). */
  method: string;
  cost: number;
}

/**
 * Progress of a list of units of very different cost (a sweep: one exact solve, many Monte Carlo
 * temperatures, one long training run). The ETA weights each unit by its estimated cost; once a
 * unit of a method has finished, that method's estimates are rescaled by measured / estimated, and
 * the running unit is extrapolated from its own fraction done (`sub`). Units already done before a
 * resume count as done and do not enter the calibration.
 */
export class CostProgress {
  private readonly t0 = Date.now();
  private readonly done = new Set<string>();
  private readonly measured = new Map<string, { est: number; sec: number }>();
  private current: { unit: CostUnit; start: number; frac: number } | null = null;
  private lastDraw = 0;
  private readonly tty = Boolean(process.stderr.isTTY);

  constructor(private readonly label: string, private readonly enabled: boolean, private readonly units: CostUnit[], doneKeys: Iterable<string>) {
    for (const k of doneKeys) this.done.add(k);
  }

  private ratio(method: string): number {
    const m = this.measured.get(method);
    if (m && m.est > 0) return m.sec / m.est;
    let est = 0;
    let sec = 0;
    for (const v of this.measured.values()) {
      est += v.est;
      sec += v.sec;
    }
    return est > 0 ? sec / est : 1;
  }

  /** Estimated seconds left, and the fraction done weighted by cost. */
  estimate(now = Date.now()): { left: number; frac: number } {
    let left = 0;
    let total = 0;
    let doneCost = 0;
    for (const u of this.units) {
      const c = u.cost * this.ratio(u.method);
      total += c;
      if (this.done.has(u.key)) doneCost += c;
      else if (this.current?.unit.key === u.key) {
        const el = (now - this.current.start) / 1000;
        const f = this.current.frac;
        const rest = f > 0.02 ? (el * (1 - f)) / f : Math.max(0, c - el);
        left += rest;
        doneCost += c * f;
      } else left += c;
    }
    return { left, frac: total > 0 ? doneCost / total : 1 };
  }

  /** A unit starts. */
  start(key: string): void {
    const unit = this.units.find((u) => u.key === key);
    if (unit) this.current = { unit, start: Date.now(), frac: 0 };
    this.draw(true);
  }

  /** Progress inside the running unit (`done` of `total` sub-steps). */
  sub(done: number, total: number): void {
    if (this.current && total > 0) this.current.frac = Math.min(1, done / total);
    this.draw(false);
  }

  /** The running unit finished after `seconds`. */
  finish(key: string, seconds: number): void {
    const unit = this.units.find((u) => u.key === key);
    if (unit) {
      const m = this.measured.get(unit.method) ?? { est: 0, sec: 0 };
      this.measured.set(unit.method, { est: m.est + unit.cost, sec: m.sec + seconds });
    }
    this.done.add(key);
    this.current = null;
    this.draw(true);
  }

  private draw(force: boolean): void {
    if (!this.enabled) return;
    const now = Date.now();
    // A terminal line is redrawn 4 times a second; a log (not a terminal) gets a line per finished
    // unit and one every 5 s inside a long unit.
    if (!force && now - this.lastDraw < (this.tty ? 250 : 5000)) return;
    this.lastDraw = now;
    const { left, frac } = this.estimate(now);
    const n = this.units.filter((u) => this.done.has(u.key)).length;
    const elapsed = (now - this.t0) / 1000;
    const what = this.current ? `, running ${this.current.unit.key}` : '';
    const text = `${this.label}: ${n}/${this.units.length} units${what} (${(100 * frac).toFixed(0)}% of the work), ${elapsed.toFixed(0)} s elapsed, ETA ${n === this.units.length ? '0' : left.toFixed(0)} s`;
    if (this.tty) {
      process.stderr.write(`\r${text}\x1b[K`);
      if (n === this.units.length) process.stderr.write('\n');
    } else if (!this.current || !force) process.stderr.write(`${text}\n`);
  }
}
