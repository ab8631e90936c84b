/** At most this many keys are remembered and listed (a file's lines may spell one column in any number of ways). */
export const MAX_LISTED_JSONL_KEYS = 256;

/**
 * Where a JSONL line's keys go, and which keys the file's lines used. A JSONL file's own column
 * names are its keys: the batch's `columnMapping` lists them as a CSV batch's lists its header,
 * each key the lines used → the column it fed (through the upload's mapping, the type's names and
 * aliases: `position`, jsonlKeyPosition), null for a key the mapping ignores. A key no column
 * takes fails its line and is not listed, nor are the keys of a line the reader refuses as a whole
 * (not a JSON object, too deep, a forbidden key, an integer past 2^53).
 *
 * The keys placed are remembered (the first MAX_LISTED_JSONL_KEYS of them), which also spares the
 * reader resolving the same few names again on every line.
 */
export class JsonlKeysApplied {
  private readonly placed = new Map<string, number | null>();

  constructor(
    private readonly columns: readonly string[],
    private readonly position: (key: string) => number | null | undefined,
  ) {}

  /** The index of the column a key feeds, null for a key to skip, undefined for an unknown key. */
  place(key: string): number | null | undefined {
    const known = this.placed.get(key);
    if (known !== undefined) return known;
    const at = this.position(key);
    if (at !== undefined && this.placed.size < MAX_LISTED_JSONL_KEYS) this.placed.set(key, at);
    return at;
  }

  /** Key → column (null: ignored) of the keys placed so far, in the order they first appeared. */
  toRecord(): Record<string, string | null> {
    return Object.fromEntries([...this.placed].map(([key, at]) => [key, at === null ? null : this.columns[at]]));
  }
}
