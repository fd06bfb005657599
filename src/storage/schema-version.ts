/**
 * A database whose schema has more steps than this program's migrations: a newer Lingr wrote it. Nothing may
 * be written to it (not even a migration's bookkeeping), so every opener checks before anything else.
 */
export class NewerSchema extends Error {
  constructor(
    readonly found: number,
    readonly known: number,
  ) {
    super(
      `this data was written by a newer Lingr (schema ${found}, this version knows ${known}): ` +
        'upgrade Lingr or restore a backup',
    );
  }
}

/** Throws NewerSchema when `found` is past the `known` steps of this program. */
export function refuseNewer(found: number, known: number): void {
  if (found > known) throw new NewerSchema(found, known);
}
