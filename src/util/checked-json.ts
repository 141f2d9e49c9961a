/**
 * Reading back the files this program wrote (saved networks, checkpoints, sweep state, shard
 * metadata) and the files users write (models): parse, validate against a zod schema, and turn
 * any failure into one {@link InputError} line that names the file and the field. Files that must
 * not be edited by hand carry a SHA-256 checksum of their content, so an edited or truncated file
 * is refused instead of silently resuming from wrong numbers.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { writeFileAtomic } from './atomic.ts';
import { InputError } from './errors.ts';

/** The checksum field name inside checksummed files. */
export const CHECKSUM_KEY = 'checksum';

/** SHA-256 (hex) of the JSON text of `value` (its own key order, as written). */
export function contentHash(value: unknown): string {
  return createHash('sha256').update(JSON.stringify(value)).digest('hex');
}

/** Formats the first zod issue as `field.path: message`. */
function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
  return `${path || '(top level)'}: ${issue.message}`;
}

/**
 * Validates an already parsed value; throws `InputError("<what>: <field>: <message>")`.
 * @param what how the message names the source, usually the file path.
 */
export function validate<S extends z.ZodType>(value: unknown, schema: S, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InputError(`${what}: ${describeIssue(r.error)}`);
  return r.data;
}

/**
 * Reads and parses a JSON file; a missing, unreadable, empty or malformed file is an InputError.
 * `what` (e.g. 'model file') names the file's role in the can't-read message.
 */
export function readJsonFile(path: string, what?: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new InputError(what ? `cannot read ${what} ${path}: ${why}` : `${path}: cannot read (${why})`);
  }
  if (text.trim() === '') throw new InputError(`${path}: empty file`);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`);
  }
}

/** Reads a JSON file and validates it against `schema`. */
export function readValidatedJson<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  return validate(readJsonFile(path), schema, path);
}

/**
 * Writes `{ ...content, checksum }` atomically, the checksum covering `content` as serialized.
 * `content` must not have a `checksum` key of its own.
 */
export function writeChecksummedJson(path: string, content: Record<string, unknown>, indent = 0): void {
  const text = JSON.stringify({ ...content, [CHECKSUM_KEY]: contentHash(content) }, null, indent || undefined);
  writeFileAtomic(path, `${text}\n`);
}

/**
 * For files that may or may not carry a checksum (saved networks: older files and hand-built ones
 * have none): when `raw` has one, it must match; returns the content without it.
 */
export function stripVerifiedChecksum(raw: unknown, path: string): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw) || !(CHECKSUM_KEY in raw)) return raw;
  const { [CHECKSUM_KEY]: sum, ...content } = raw as Record<string, unknown>;
  if (contentHash(content) !== sum) throw new InputError(`${path}: checksum mismatch (the file was edited or damaged); refusing to use it`);
  return content;
}

/**
 * Reads a file written by {@link writeChecksummedJson}: refuses it when the checksum is missing or
 * does not match (hand-edited, truncated, foreign), then validates the content against `schema`.
 */
export function readChecksummedJson<S extends z.ZodType>(path: string, schema: S): z.output<S> {
  const raw = readJsonFile(path);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new InputError(`${path}: expected a JSON object`);
  const { [CHECKSUM_KEY]: sum, ...content } = raw as Record<string, unknown>;
  if (typeof sum !== 'string') throw new InputError(`${path}: no checksum (not written by pdbm, or from an older version)`);
  if (contentHash(content) !== sum) throw new InputError(`${path}: checksum mismatch (the file was edited or damaged); refusing to use it`);
  return validate(content, schema, path);
}
