import { Body, Controller, Injectable, Module, type OnModuleInit, Post, Res } from '@nestjs/common';
import { Args, Field, ID, Mutation, ObjectType, Resolver } from '@nestjs/graphql';
import { InjectDataSource } from '@nestjs/typeorm';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { Public } from '../../src/core/auth/public.decorator.js';

/**
 * Test-only routes for the idempotency spec: each call writes one row to `idempotency_test_notes`
 * (so a spec can count executions), and may wait on a gate the spec opens, to hold a request
 * "in progress" deterministically.
 */
export class NoteInput {
  @IsString()
  @MaxLength(200)
  text!: string;

  @IsOptional()
  @IsString()
  gate?: string;
}

@ObjectType('IdempotencyNote')
export class NoteDto {
  @Field(() => ID) id!: string;
  @Field() text!: string;
}

interface Gate {
  entered: number;
  open: () => void;
  opened: Promise<void>;
}

/** Named gates: a handler waits at `pass(name)` until the spec calls `open(name)`. */
@Injectable()
export class TestGates {
  private readonly gates = new Map<string, Gate>();

  private gate(name: string): Gate {
    let gate = this.gates.get(name);
    if (!gate) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      gate = { entered: 0, open, opened };
      this.gates.set(name, gate);
    }
    return gate;
  }

  entered(name: string): number {
    return this.gate(name).entered;
  }

  open(name: string): void {
    this.gate(name).open();
  }

  async pass(name: string | undefined): Promise<void> {
    if (!name) return;
    const gate = this.gate(name);
    gate.entered += 1;
    await gate.opened;
  }
}

@Injectable()
export class TestNotes implements OnModuleInit {
  private readonly failed = new Set<string>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly gates: TestGates,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.db.query(`
      CREATE TABLE IF NOT EXISTS idempotency_test_notes (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        text text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async write(input: NoteInput): Promise<NoteDto> {
    await this.gates.pass(input.gate);
    const [row] = (await this.db.query(
      'INSERT INTO idempotency_test_notes (text) VALUES ($1) RETURNING id, text',
      [input.text],
    )) as NoteDto[];
    return row;
  }

  /** Writes, then fails with a 500 the first time for a text: the key must be released. */
  async writeThenFailOnce(input: NoteInput): Promise<NoteDto> {
    const note = await this.write(input);
    if (!this.failed.has(input.text)) {
      this.failed.add(input.text);
      throw new Error('the first attempt fails after writing');
    }
    return note;
  }

  async count(text: string): Promise<number> {
    const [row] = (await this.db.query(
      'SELECT count(*)::int AS n FROM idempotency_test_notes WHERE text = $1',
      [text],
    )) as Array<{ n: number }>;
    return row.n;
  }
}

@Public()
@Controller('test/idempotency')
export class IdempotencyTestController {
  constructor(private readonly notes: TestNotes) {}

  @Post('notes')
  async create(
    @Body() input: NoteInput,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<NoteDto> {
    const note = await this.notes.write(input);
    reply.header('Location', `/api/v1/test/idempotency/notes/${note.id}`);
    return note;
  }

  @Post('flaky')
  flaky(@Body() input: NoteInput): Promise<NoteDto> {
    return this.notes.writeThenFailOnce(input);
  }

  /** An answer over the 1 MiB the store keeps. */
  @Post('large')
  async large(@Body() input: NoteInput): Promise<{ note: NoteDto; padding: string }> {
    return { note: await this.notes.write(input), padding: 'x'.repeat(1024 * 1024 + 1) };
  }
}

@Resolver()
export class IdempotencyTestResolver {
  constructor(private readonly notes: TestNotes) {}

  @Public()
  @Mutation(() => NoteDto)
  addIdempotencyNote(
    @Args('text') text: string,
    @Args('gate', { nullable: true }) gate?: string,
  ): Promise<NoteDto> {
    return this.notes.write({ text, gate });
  }

  @Public()
  @Mutation(() => NoteDto)
  addFlakyIdempotencyNote(@Args('text') text: string): Promise<NoteDto> {
    return this.notes.writeThenFailOnce({ text });
  }
}

@Module({
  controllers: [IdempotencyTestController],
  providers: [TestGates, TestNotes, IdempotencyTestResolver],
})
export class IdempotencyTestModule {}
