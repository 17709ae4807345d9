// Compiled in CI against the generated types: if an operation or a type changes shape, this
// stops compiling. Also a short example of using them.
import type { components, operations, paths } from './rest/schema.js';
import type { Mutation, Query, User as GqlUser } from './graphql/types.js';

type LoginBody = NonNullable<
  paths['/api/v1/auth/login']['post']['requestBody']
>['content']['application/json'];
type AuthPayload = components['schemas']['AuthPayloadDto'];
type Problem = components['schemas']['Problem'];
type MeResponse = operations['UsersController_me']['responses'][200]['content']['application/json'];

export async function signIn(base: string, body: LoginBody): Promise<AuthPayload | Problem> {
  const response = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return (await response.json()) as AuthPayload | Problem;
}

export const example: { login: LoginBody; me: Pick<MeResponse, 'id' | 'email'> } = {
  login: { email: 'ann@example.com', password: 'correct horse battery staple' },
  me: { id: '3f2b8c1e-7a4d-4e6f-9b0a-5c1d2e3f4a5b', email: 'ann@example.com' },
};

export type MeQuery = Pick<Query, 'me'>;
export const userEmail = (user: Pick<GqlUser, 'email'>): string => user.email;
export type LoginMutation = Pick<Mutation, 'login'>;
