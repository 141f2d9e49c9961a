import { InputError } from '../util/errors.ts';
import type { Row } from '../stats/row.ts';
import type { ModelHamiltonian } from '../model/operator.ts';

export interface SectorFtlmOptions {
  vectors: number;
  steps: number;
  seed: number;
  onProgress?: (done: number, total: number) => void;
}

export interface SectorFtlmResult {
  rows: Row[];
  warnings: string[];
  sectors: number;
  maxSector: number;
  exactBelow: number;
}

export function ftlmSectors(ham: ModelHamiltonian, _temps: number[], _opts: SectorFtlmOptions): SectorFtlmResult {
  throw new InputError(`ftlm: not available for ${ham.kind} models yet`);
}
