/* global document, window, fetch, URLSearchParams, FormData */
// The account pages' one script: reads the mailed token, drops it from the address bar before
// any request, calls the API and shows the outcome. No inline code (CSP script-src 'self').
'use strict';

const API = '/api/v1';

/** The token from the query, removed from the address bar (and so from history). */
function takeToken() {
  const token = new URLSearchParams(window.location.search).get('token');
  if (window.location.search) window.history.replaceState(null, '', window.location.pathname);
  return token && token.trim() ? token.trim() : undefined;
}

/** Calls the API; resolves to { ok, status, body } with the problem+json body on errors. */
async function call(path, body, accessToken) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (accessToken) headers.authorization = `Bearer ${accessToken}`;
  let response;
  try {
    response = await fetch(`${API}${path}`, {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    return { ok: false, status: 0, body: { detail: 'The server cannot be reached. Try again.' } };
  }
  const text = await response.text();
  let parsed;
  try {
    parsed = text ? JSON.parse(text) : {};
  } catch {
    parsed = {};
  }
  return { ok: response.ok, status: response.status, body: parsed };
}

const status = document.getElementById('status');
const fieldErrors = document.getElementById('field-errors');

function show(message, kind) {
  status.textContent = message;
  status.className = kind || '';
  fieldErrors.replaceChildren();
}

function showProblem(result, fallback) {
  const problem = result.body || {};
  const tooMany = result.status === 429 ? 'Too many attempts: wait a minute and try again.' : '';
  show(tooMany || problem.detail || fallback, 'error');
  for (const error of Array.isArray(problem.errors) ? problem.errors : []) {
    const item = document.createElement('li');
    item.textContent = `${error.field}: ${error.message}`;
    fieldErrors.append(item);
  }
}

function form(id) {
  const element = document.getElementById(id);
  element.classList.remove('hidden');
  return element;
}

function onSubmit(element, handler) {
  element.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = element.querySelector('button');
    button.disabled = true;
    try {
      await handler(new FormData(element));
    } finally {
      button.disabled = false;
    }
  });
}

const MISSING_TOKEN =
  'This link has no token. Open the link from the mail again, or ask for a new one.';

async function verifyEmail(token) {
  if (!token) return show(MISSING_TOKEN, 'error');
  const result = await call('/auth/verify-email', { token });
  if (result.ok) return show('Your email address is verified. You can sign in now.', 'ok');
  return showProblem(result, 'This link is invalid or has expired. Ask for a new one.');
}

function resetPassword(token) {
  if (!token) return show(MISSING_TOKEN, 'error');
  show('Choose a new password (at least 10 characters).');
  const element = form('reset-password');
  onSubmit(element, async (data) => {
    const password = String(data.get('password') || '');
    if (password !== String(data.get('repeat') || '')) {
      return show('The two passwords differ.', 'error');
    }
    show('Working…');
    const result = await call('/auth/password/reset', { token, password });
    if (!result.ok) return showProblem(result, 'The password could not be changed.');
    element.classList.add('hidden');
    return show('Your password is changed and every session was ended. Sign in again.', 'ok');
  });
}

function confirmEmailChange(token) {
  if (!token) return show(MISSING_TOKEN, 'error');
  show('Sign in to the account that asked for the change to confirm it.');
  const element = form('sign-in');
  onSubmit(element, async (data) => {
    show('Working…');
    const otp = String(data.get('otp') || '').trim();
    const login = await call('/auth/login', {
      email: String(data.get('email') || ''),
      password: String(data.get('password') || ''),
      ...(otp ? { otp } : {}),
    });
    if (!login.ok || !login.body.accessToken) {
      return showProblem(login, 'Signing in failed.');
    }
    const access = login.body.accessToken;
    const result = await call('/users/me/email/confirm', { token }, access);
    // The page's session is not needed any more.
    await call('/auth/logout', { refreshToken: login.body.refreshToken }, access);
    if (!result.ok) return showProblem(result, 'This link is invalid or has expired.');
    element.classList.add('hidden');
    return show('Your new email address is confirmed.', 'ok');
  });
}

function signIn() {
  show('Your account exists: sign in from your app. Forgot the password? Ask for a reset link.');
  const element = form('forgot-password');
  onSubmit(element, async (data) => {
    const result = await call('/auth/password/forgot', { email: String(data.get('email') || '') });
    if (!result.ok) return showProblem(result, 'The request failed.');
    element.classList.add('hidden');
    return show('If this address has an account, a reset link is on its way.', 'ok');
  });
}

const PAGES = {
  'verify-email': verifyEmail,
  'reset-password': resetPassword,
  'confirm-email-change': confirmEmailChange,
  'sign-in': signIn,
};

const page = PAGES[document.body.dataset.page];
if (page) page(takeToken());
