/* global document, fetch, sessionStorage */
// A small GraphiQL served by the app itself (no CDN, CSP script-src 'self'): a query and its
// variables, an optional access token, the JSON answer, and the root fields of the schema.
'use strict';

const $ = (id) => document.getElementById(id);
const STORE = 'graphiql.query';

async function run(query, variables) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  const token = $('token').value.trim();
  if (token) headers.authorization = `Bearer ${token.replace(/^Bearer\s+/i, '')}`;
  const response = await fetch('/graphql', {
    method: 'POST',
    headers,
    body: JSON.stringify({ query, variables }),
    credentials: 'omit',
  });
  return { status: response.status, body: await response.json().catch(() => ({})) };
}

function show(text, isError) {
  $('status').textContent = text;
  $('status').className = isError ? 'error' : '';
}

async function execute() {
  let variables;
  try {
    variables = JSON.parse($('variables').value.trim() || '{}');
  } catch {
    return show('Variables are not valid JSON.', true);
  }
  const query = $('query').value;
  sessionStorage.setItem(STORE, query);
  show('Running…');
  try {
    const result = await run(query, variables);
    show(`HTTP ${result.status}`, result.status >= 400 || Boolean(result.body.errors));
    $('result').textContent = JSON.stringify(result.body, null, 2);
  } catch (error) {
    show(`The request failed: ${error.message}`, true);
  }
}

const FIELDS = '{ name args { name type { name kind ofType { name kind } } } }';
const ROOTS = `{ __schema { queryType { fields ${FIELDS} } mutationType { fields ${FIELDS} } subscriptionType { fields ${FIELDS} } } }`;

async function schema() {
  show('Loading the schema…');
  const result = await run(ROOTS, {});
  const roots = result.body.data && result.body.data.__schema;
  if (!roots) {
    show('The schema is not available (introspection is off?)', true);
    $('result').textContent = JSON.stringify(result.body, null, 2);
    return;
  }
  const lines = [];
  for (const [title, type] of Object.entries({
    Query: roots.queryType,
    Mutation: roots.mutationType,
    Subscription: roots.subscriptionType,
  })) {
    if (!type) continue;
    lines.push(`type ${title} {`);
    for (const field of type.fields) {
      const args = field.args.map((a) => a.name).join(', ');
      lines.push(`  ${field.name}${args ? `(${args})` : ''}`);
    }
    lines.push('}', '');
  }
  show('Root fields (the full SDL is schema.graphql in the repository)');
  $('result').textContent = lines.join('\n');
}

const saved = sessionStorage.getItem(STORE);
if (saved) $('query').value = saved;
$('run').addEventListener('click', execute);
$('schema').addEventListener('click', schema);
document.addEventListener('keydown', (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key === 'Enter') {
    event.preventDefault();
    void execute();
  }
});
