import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from '../app.js';
import { multipart } from '../multipart.js';
import { uniqueEmail, STRONG_PASSWORD } from '../../factories/user.factory.js';
import type { Targets } from './values.js';

export type CallerName = 'anonymous' | 'user' | 'admin';
export const CALLERS: readonly CallerName[] = ['anonymous', 'user', 'admin'];

interface Account {
  id: string;
  email: string;
  password: string;
  token: string;
}

export interface CorpusRequest {
  id: string;
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  summary: string;
}

export interface Offender {
  caseId: string;
  caller: CallerName;
  method: string;
  url: string;
  summary: string;
  status: number;
  code: string;
  requestId: string;
}

/**
 * The three callers and what they may aim at. Between operations `ensure()` checks that the
 * tokens still work (a corpus case may log a caller out, ban or promote the plain user) and logs
 * in again or registers a fresh plain user; the admin's id is never a target.
 */
export class Callers {
  private admin!: Account;
  private user!: Account;
  private fileId?: string;
  /** What `ensure()` had to repair, for the run summary. */
  readonly repairs: string[] = [];

  constructor(
    private readonly t: TestApp,
    private readonly adminEmail: string,
    private readonly adminPassword: string,
  ) {}

  async init(): Promise<void> {
    const admin = await this.login(this.adminEmail, this.adminPassword);
    if (!admin) throw new Error('the admin cannot log in');
    this.admin = admin;
    await this.newUser();
  }

  token(caller: CallerName): string | undefined {
    return caller === 'anonymous' ? undefined : this[caller].token;
  }

  targets(): Targets {
    return { userId: this.user.id, fileId: this.fileId };
  }

  /** `after`: the operation just exercised, named in the repairs log. */
  async ensure(after: string): Promise<void> {
    if (!(await this.works(this.admin, true))) {
      const again = await this.login(this.adminEmail, this.adminPassword);
      if (!again || !(await this.works(again, true))) {
        throw new Error(`the admin is locked out after ${after}: the corpus must never target it`);
      }
      this.admin = again;
      this.repairs.push(`admin logged in again after ${after}`);
    }
    if (await this.works(this.user, false)) return;
    const again = await this.login(this.user.email, this.user.password);
    if (again && (await this.works(again, false))) {
      this.user = again;
      this.repairs.push(`user logged in again after ${after}`);
      return;
    }
    await this.newUser();
    this.repairs.push(`a new plain user after ${after}`);
  }

  private async works(account: Account, admin: boolean): Promise<boolean> {
    const res = await this.t.rest({ url: '/api/v1/users/me', token: account.token });
    if (res.statusCode !== 200) return false;
    return (res.json() as { roles: string[] }).roles.includes('admin') === admin;
  }

  private async login(email: string, password: string): Promise<Account | undefined> {
    const res = await this.t.rest({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    if (res.statusCode !== 200) return undefined;
    const body = res.json() as { accessToken: string; user: { id: string } };
    return { id: body.user.id, email, password, token: body.accessToken };
  }

  private async newUser(): Promise<void> {
    const email = uniqueEmail('corpus');
    const res = await this.t.rest({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email, password: STRONG_PASSWORD },
    });
    if (res.statusCode !== 201) throw new Error(`cannot register a plain user: ${res.body}`);
    const body = res.json() as { accessToken: string; user: { id: string } };
    this.user = { id: body.user.id, email, password: STRONG_PASSWORD, token: body.accessToken };
    // A real file of the plain user's, so id-taking routes also meet a row that exists.
    const upload = multipart([
      {
        name: 'file',
        filename: 'corpus.txt',
        contentType: 'text/plain',
        data: Buffer.from('corpus\n'),
      },
    ]);
    const uploaded = await this.t.app
      .getHttpAdapter()
      .getInstance()
      .inject({
        method: 'POST',
        url: '/api/v1/files',
        headers: { ...upload.headers, authorization: `Bearer ${this.user.token}` },
        payload: upload.payload,
      });
    this.fileId = uploaded.statusCode === 201 ? (uploaded.json() as { id: string }).id : undefined;
  }
}

/** Runs `fn` over `items` with at most `size` in flight. */
export async function pool<T>(items: readonly T[], size: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

/** How long one request may go unanswered before it counts as a hang (status 0 in the report). */
export const HANG_MS = 15_000;

export async function send(
  t: TestApp,
  request: CorpusRequest,
  token?: string,
): Promise<LightMyRequestResponse | 'hang'> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<'hang'>((resolve) => {
    timer = setTimeout(() => resolve('hang'), HANG_MS);
  });
  const response = t.app
    .getHttpAdapter()
    .getInstance()
    .inject({
      method: request.method,
      url: request.url,
      headers: { ...request.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
      ...(request.payload === undefined ? {} : { payload: request.payload }),
      // An event stream never ends: it is judged by its head, then left.
      payloadAsStream: true,
    })
    .then(readUnlessStream);
  try {
    return await Promise.race([response, hang]);
  } finally {
    clearTimeout(timer);
  }
}

/** The whole body, except for a `text/event-stream` (an open stream is all the corpus needs). */
async function readUnlessStream(res: LightMyRequestResponse): Promise<LightMyRequestResponse> {
  const stream = res.stream();
  let body = '';
  if (String(res.headers['content-type'] ?? '').startsWith('text/event-stream')) {
    stream.destroy();
  } else {
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
    body = Buffer.concat(chunks).toString('utf8');
  }
  const read = {
    statusCode: res.statusCode,
    headers: res.headers,
    body,
    payload: body,
    json: () => JSON.parse(body) as unknown,
  };
  return read as unknown as LightMyRequestResponse;
}

function parse(res: LightMyRequestResponse): unknown {
  if (!String(res.headers['content-type'] ?? '').includes('json')) return undefined;
  try {
    return JSON.parse(res.body) as unknown;
  } catch {
    return undefined;
  }
}

type GqlError = { extensions?: { code?: string; requestId?: string } };

/** A 5xx, or (GraphQL) an error coded INTERNAL or SERVICE_UNAVAILABLE in any batch member. */
export function judge(
  kind: 'rest' | 'graphql',
  res: LightMyRequestResponse,
): { bad: boolean; code: string; requestId: string } {
  const body = parse(res);
  const headerId = String(res.headers['x-request-id'] ?? '');
  if (kind === 'rest') {
    const problem = (body ?? {}) as { code?: string; requestId?: string };
    return {
      bad: res.statusCode >= 500,
      code: problem.code ?? '-',
      requestId: problem.requestId ?? headerId,
    };
  }
  const results = (Array.isArray(body) ? body : [body]) as Array<
    { errors?: GqlError[] } | undefined
  >;
  const errors = results.flatMap((r) => r?.errors ?? []);
  const internal = errors.find((e) =>
    ['INTERNAL', 'SERVICE_UNAVAILABLE'].includes(e.extensions?.code ?? ''),
  );
  const first = internal ?? errors[0];
  return {
    bad: res.statusCode >= 500 || internal !== undefined,
    code: first?.extensions?.code ?? (res.statusCode >= 400 ? '-' : 'ok'),
    requestId: first?.extensions?.requestId ?? headerId,
  };
}

/** CORPUS_ONLY: comma-separated case ids (`POST /api/v1/auth/login#5`) or operation keys. */
export function caseFilter(only: string | undefined): (id: string) => boolean {
  const wanted = (only ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (wanted.length === 0) return () => true;
  return (id) => wanted.some((w) => id === w || id.startsWith(`${w}#`));
}

export function report(seed: number, offenders: Offender[]): string {
  const lines = offenders.map(
    (o) =>
      `  [${o.caller}] ${o.caseId} → ${o.status} ${o.code} requestId=${o.requestId}\n      ${o.method} ${o.url.length > 160 ? `${o.url.slice(0, 160)}…` : o.url}\n      input: ${o.summary}`,
  );
  return [
    `hostile corpus (CORPUS_SEED=${seed}): ${offenders.length} response(s) were 5xx or INTERNAL.`,
    `Reproduce one case: CORPUS_SEED=${seed} CORPUS_ONLY='<case id>' TEST_LOG_LEVEL=error npx vitest run test/e2e/hostile-corpus.e2e-spec.ts`,
    ...lines,
  ].join('\n');
}

/** Whether a reported field error is about `field` (`filter.actorId` names `input.filter.actorId`). */
// The walk names array elements without their index (`preferences.type`); errors carry it.
const withoutIndexes = (f: string) => f.replace(/\.\d+(?=\.|$)/g, '');
const names = (fields: string[], field: string) =>
  fields.map(withoutIndexes).some((f) => f === field || field.endsWith(`.${f}`));

type ContractProblem = { code?: string; requestId?: string; errors?: Array<{ field?: string }> };
type ContractGqlError = { extensions?: ContractProblem };

/**
 * The contract walk's verdict: REST answers 400 VALIDATION_FAILED, GraphQL BAD_USER_INPUT, and
 * either names `field` among its field errors. Anything else (a 404, a 500, `true`) is bad.
 */
export function judgeContract(
  kind: 'rest' | 'graphql',
  res: LightMyRequestResponse,
  field: string,
): { bad: boolean; code: string; requestId: string } {
  const body = parse(res);
  const headerId = String(res.headers['x-request-id'] ?? '');
  const fieldsOf = (p?: ContractProblem) => (p?.errors ?? []).map((e) => String(e.field));
  if (kind === 'rest') {
    const problem = (body ?? {}) as ContractProblem;
    const fields = fieldsOf(problem);
    return {
      bad: res.statusCode !== 400 || problem.code !== 'VALIDATION_FAILED' || !names(fields, field),
      code: `${problem.code ?? '-'} fields=[${fields.join(',')}]`,
      requestId: problem.requestId ?? headerId,
    };
  }
  const errors = ((body ?? {}) as { errors?: ContractGqlError[] }).errors ?? [];
  const refused = errors.find(
    (e) => e.extensions?.code === 'BAD_USER_INPUT' && names(fieldsOf(e.extensions), field),
  );
  const first = refused ?? errors[0];
  return {
    bad: res.statusCode >= 500 || refused === undefined || errors.length !== 1,
    code: first
      ? `${first.extensions?.code ?? '-'} fields=[${fieldsOf(first.extensions).join(',')}]`
      : 'ok (no error)',
    requestId: first?.extensions?.requestId ?? headerId,
  };
}

export function contractReport(seed: number, offenders: Offender[]): string {
  return report(seed, offenders).replace(
    'response(s) were 5xx or INTERNAL.',
    'malformed input(s) were not refused as invalid input naming the field (REST 400 VALIDATION_FAILED, GraphQL BAD_USER_INPUT).',
  );
}
