import type { Type } from '@nestjs/common';
import { Field, Int, ObjectType } from '@nestjs/graphql';
import { ApiProperty } from '@nestjs/swagger';

/** A page of a keyset-paginated list: REST and GraphQL answer the same shape. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  totalCount: number;
}

/** Builds a page from `limit + 1` fetched rows: the extra row only tells that more follow. */
export function toPage<R, T>(
  rows: R[],
  limit: number,
  totalCount: number,
  map: (row: R) => T,
  cursorOf: (row: R) => string,
): Page<T> {
  const more = rows.length > limit;
  const visible = more ? rows.slice(0, limit) : rows;
  return {
    items: visible.map(map),
    nextCursor: more && visible.length ? cursorOf(visible[visible.length - 1]) : null,
    totalCount,
  };
}

/** The GraphQL (and OpenAPI) type of a page of `itemType`, named `name`. */
export function PageType<T>(itemType: Type<T>, name: string): Type<Page<T>> {
  @ObjectType(name)
  class PageOf implements Page<T> {
    @ApiProperty({ type: [itemType] })
    @Field(() => [itemType])
    items!: T[];

    @ApiProperty({ type: String, nullable: true })
    @Field(() => String, { nullable: true })
    nextCursor!: string | null;

    @ApiProperty()
    @Field(() => Int)
    totalCount!: number;
  }
  Object.defineProperty(PageOf, 'name', { value: name });
  return PageOf;
}
