import { Injectable } from '@nestjs/common';

/**
 * One module's part of a user's data export (GDPR archive): the module that owns the data
 * registers it in onModuleInit (`sections.register(this)`), so no module reads another's tables.
 */
export interface ExportSection {
  /** The archive key, e.g. 'files'. */
  readonly name: string;
  /** The user's records, never secrets; read in batches so an archive of any size streams. */
  rows(userId: string): AsyncIterable<object>;
}

/** The registered sections of a user's archive. */
@Injectable()
export class ExportSections {
  private readonly sections = new Map<string, ExportSection>();

  register(section: ExportSection): void {
    if (this.sections.has(section.name)) {
      throw new Error(`An export section '${section.name}' is registered`);
    }
    this.sections.set(section.name, section);
  }

  /** By name, so an archive's layout does not depend on the order modules start in. */
  all(): ExportSection[] {
    return [...this.sections.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

/** A JSON array, piece by piece. */
export async function* jsonArray(rows: AsyncIterable<unknown>): AsyncGenerator<string> {
  yield '[';
  let first = true;
  for await (const row of rows) {
    yield `${first ? '' : ','}${JSON.stringify(row)}`;
    first = false;
  }
  yield ']';
}
