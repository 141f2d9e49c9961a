/** The default sweep: a 16-site chain at the critical field, every method, 12 temperatures. */
export const DEFAULT_SWEEP = [
  'sweep', '--model', 'models/chain-16.json', '--methods', 'exact,dbm,train', '--alpha', '4', '--temps', '0.3:5:12', '--log',
  '--sweeps', '3000', '--seed', '1', '--out', 'results/default',
];
