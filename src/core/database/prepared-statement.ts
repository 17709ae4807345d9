/**
 * A named statement for TypeORM's `query()`, which hands it to `pg` as is: each pooled connection
 * parses and plans it once, then only binds and executes it (a hot query's parse and plan cost
 * PostgreSQL more CPU than its execution). A fresh object per call, since `pg` writes the values
 * into it. `toString()` gives the SQL to whatever logs it or reads its statement kind.
 *
 * List the columns instead of `*`: a prepared `SELECT *` fails with "cached plan must not change
 * result type" once a migration adds a column while connections are open.
 */
export function preparedStatement(name: string, text: string): string {
  return { name, text, toString: () => text } as unknown as string;
}
