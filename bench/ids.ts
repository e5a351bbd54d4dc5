import { createHash } from 'node:crypto';

/** A UUID derived from a name and a number: the same generated data gets the same ids in every run. */
export function uuidFrom(name: string, index: number): string {
  const hex = createHash('sha1').update(`${name}:${index}`).digest('hex');
  // Shaped as a version-5 (name-based) UUID so every engine and validator accepts it.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((Number.parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
