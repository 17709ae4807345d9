import { Body, Controller, Get, Module, Post, Query } from '@nestjs/common';
import {
  Args,
  Field,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query as GqlQuery,
  Resolver,
} from '@nestjs/graphql';
import type { Job } from 'bullmq';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { Public } from '../../src/core/auth/public.decorator.js';
import { CurrentUser } from '../../src/core/auth/current-user.decorator.js';
import type { AuthUser } from '../../src/core/auth/auth-user.js';
import { AppWorker, QueueWorker } from '../../src/core/queue/app-worker.js';
import type { JobEnvelope } from '../../src/core/queue/job-envelope.js';
import { JobsService } from '../../src/core/queue/jobs.service.js';
import { RateLimit } from '../../src/core/rate-limit/rate-limit.decorator.js';

/**
 * Test-only routes, resolvers and a worker mounted next to the real app, to drive the
 * cross-cutting machinery (validation, errors, limits, jobs) the way feature modules will.
 */
@InputType('EchoInput')
export class EchoInput {
  @Field()
  @IsString()
  @MaxLength(20)
  name!: string;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  count?: number;
}

@ObjectType('Echo')
export class EchoDto {
  @Field() name!: string;
  @Field(() => Int, { nullable: true }) count?: number;
}

@ObjectType('TreeNode')
export class TreeNode {
  @Field() id!: string;
  @Field(() => TreeNode) child!: TreeNode;
}

export interface TestJobPayload {
  /** `chain`: waits until its worker is asked to close, then enqueues an `echo` job. */
  kind: 'echo' | 'flaky' | 'fail' | 'slow' | 'chain';
  value?: string;
  ms?: number;
}

@Public()
@Controller('test')
export class TestController {
  private readonly logger = new Logger('TestController');

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  @Get('sleep-query')
  async sleepQuery(@Query('seconds') seconds = '0.05'): Promise<{ slept: number }> {
    await this.dataSource.query('SELECT pg_sleep($1)', [Number(seconds)]);
    return { slept: Number(seconds) };
  }

  @Get('many-queries')
  async manyQueries(@Query('n') n = '12'): Promise<{ ran: number }> {
    for (let i = 0; i < Number(n); i++) await this.dataSource.query('SELECT 1');
    return { ran: Number(n) };
  }

  @Post('echo')
  echo(@Body() input: EchoInput): EchoDto {
    return input;
  }

  @Get('boom')
  boom(): never {
    throw new Error('relation "secret_table" does not exist at /srv/app/secret.ts:42');
  }

  @Get('strict')
  @RateLimit('strict')
  strict(): { ok: true } {
    return { ok: true };
  }

  @Get('slow')
  async slow(@Query('ms') ms = '1000'): Promise<{ waited: number }> {
    this.logger.log(
      { credentials: { password: 'hunter2', nested: { refreshToken: 'r-t' } } },
      'slow request started',
    );
    await new Promise((resolve) => setTimeout(resolve, Number(ms)));
    return { waited: Number(ms) };
  }
}

export class TestJobInput {
  @IsString() kind!: TestJobPayload['kind'];
  @IsOptional() @IsString() value?: string;
  @IsOptional() @IsInt() ms?: number;
}

@Controller('test/jobs')
export class TestJobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post()
  enqueue(@Body() body: TestJobInput, @CurrentUser() _user: AuthUser): Promise<{ jobId: string }> {
    return this.jobs.enqueue('maintenance', `test-${body.kind}`, body);
  }
}

@Resolver()
export class TestResolver {
  @GqlQuery(() => TreeNode)
  tree(): TreeNode {
    const node = { id: 'n' } as TreeNode;
    node.child = node;
    return node;
  }

  @Public()
  @Mutation(() => EchoDto)
  echo(@Args('input') input: EchoInput): EchoDto {
    return input;
  }

  @Public()
  @GqlQuery(() => String)
  boom(): string {
    throw new Error('connect ECONNREFUSED 10.0.0.5:5432 password=hunter2');
  }
}

@QueueWorker('maintenance')
export class TestWorker extends AppWorker<TestJobPayload, { echoed?: string; attempt: number }> {
  constructor(private readonly jobs: JobsService) {
    super();
  }

  async handle(payload: TestJobPayload, job: Job<JobEnvelope<TestJobPayload>>) {
    this.logger.log({ kind: payload.kind }, 'test job running');
    if (payload.kind === 'chain') {
      // A job still running when the app shuts down, that queues a follow-up (as a real job
      // may): its worker closes first, so the queues are still open for it.
      const worker = this.worker;
      // `closing` is set once close() began (its 'closing' event may have gone already).
      await new Promise((resolve) =>
        worker.closing ? resolve(undefined) : worker.once('closing', resolve),
      );
      const next = await this.jobs.enqueue('maintenance', 'test-echo', { kind: 'echo' });
      return { echoed: next.jobId, attempt: job.attemptsMade + 1 };
    }
    if (payload.kind === 'fail') throw new Error('always fails');
    if (payload.kind === 'flaky' && job.attemptsMade === 0) throw new Error('fails once');
    if (payload.kind === 'slow') await new Promise((r) => setTimeout(r, payload.ms ?? 1000));
    await job.updateProgress(50);
    await job.updateProgress(100);
    this.logger.log({ kind: payload.kind }, 'test job finished');
    return { echoed: payload.value, attempt: job.attemptsMade + 1 };
  }
}

@Module({
  controllers: [TestController, TestJobsController],
  providers: [TestResolver, TestWorker],
})
export class TestFeatureModule {}
