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
