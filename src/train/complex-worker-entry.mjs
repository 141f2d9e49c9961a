// Worker-thread entry of the complex-network chains when running from source under tsx (see util/import-ts.mjs).
import { importTs } from '../util/import-ts.mjs';

export default (await importTs(new URL('./complex-worker.ts', import.meta.url))).default;
