/** Every mail the app sends, with the variables each one needs. */
export interface MailTemplates {
  'verify-email': { link: string };
  'reset-password': { link: string };
  'email-change-confirm': { link: string; newEmail: string };
  /** Sent to the old address while a change is pending. */
  'email-change-notice': { newEmail: string };
  'security-alert': { event: string; when: string; ip?: string; userAgent?: string };
  /** Sent to the owner when someone registers with an address that has an account already. */
  'registration-existing': { link: string };
  /** One notification on the email channel. */
  notification: { title: string; message: string };
  /** Several notifications of one type within the digest window, newest last. */
  'notification-digest': {
    type: string;
    items: Array<{ title: string; message: string; when: string }>;
  };
}

export type MailTemplateName = keyof MailTemplates;

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

interface MailContent {
  subject: string;
  intro: string[];
  action?: { label: string; link: string };
  outro: string[];
}

type Templates = { [K in MailTemplateName]: (vars: MailTemplates[K], app: string) => MailContent };

const IGNORE = 'If you did not ask for this, you can ignore this message.';
const PREFERENCES =
  'You can choose which notifications reach you by email in your notification settings.';
const NOT_YOU =
  'If this was not you, change your password at once and sign out your other sessions.';

const TEMPLATES: Templates = {
  'verify-email': ({ link }, app) => ({
    subject: `${app}: confirm your email address`,
    intro: [`Welcome to ${app}. Please confirm your email address.`],
    action: { label: 'Confirm my email address', link },
    outro: ['If you did not create an account, you can ignore this message.'],
  }),
  'reset-password': ({ link }, app) => ({
    subject: `${app}: reset your password`,
    intro: [`A password reset was requested for your ${app} account.`],
    action: { label: 'Choose a new password', link },
    outro: [`${IGNORE} Your password stays the same.`],
  }),
  'email-change-confirm': ({ link, newEmail }, app) => ({
    subject: `${app}: confirm your new email address`,
    intro: [`Confirm that ${newEmail} should become the email address of your ${app} account.`],
    action: { label: 'Confirm the new address', link },
    outro: [IGNORE],
  }),
  'email-change-notice': ({ newEmail }, app) => ({
    subject: `${app}: your email address is being changed`,
    intro: [
      `A change of the email address of your ${app} account to ${newEmail} was requested.`,
      'If this was you, there is nothing to do.',
    ],
    outro: [NOT_YOU],
  }),
  'security-alert': ({ event, when, ip, userAgent }, app) => ({
    subject: `${app}: security alert`,
    intro: [
      `${event} on your ${app} account at ${when}.`,
      ...(ip ? [`IP address: ${ip}`] : []),
      ...(userAgent ? [`Device: ${userAgent}`] : []),
    ],
    outro: [NOT_YOU],
  }),
  notification: ({ title, message }, app) => ({
    subject: `${app}: ${title}`,
    intro: [title, message],
    outro: [PREFERENCES],
  }),
  'notification-digest': ({ items }, app) => ({
    subject: `${app}: ${items.length} new notifications`,
    intro: [
      `You have ${items.length} new notifications:`,
      ...items.map((item) => `${item.when}: ${item.title}. ${item.message}`),
    ],
    outro: [PREFERENCES],
  }),
  'registration-existing': ({ link }, app) => ({
    subject: `${app}: someone tried to register with your email address`,
    intro: [
      `Someone tried to create a new ${app} account with this email address, which already has one.`,
      'If it was you, sign in to your account; if you forgot your password, reset it from the sign-in page.',
    ],
    action: { label: 'Sign in', link },
    outro: ['If it was not you, you can ignore this message: no new account was created.'],
  }),
};

export const MAIL_TEMPLATE_NAMES = Object.keys(TEMPLATES) as MailTemplateName[];

export function isMailTemplate(name: string): name is MailTemplateName {
  return Object.hasOwn(TEMPLATES, name);
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/** Renders a template; every variable is HTML-escaped in the HTML part. */
export function renderMail<K extends MailTemplateName>(
  template: K,
  vars: MailTemplates[K],
  appName: string,
): RenderedMail {
  const render: (vars: MailTemplates[K], app: string) => MailContent = TEMPLATES[template];
  const { subject, intro, action, outro } = render(vars, appName);
  const signature = `— ${appName}`;
  const text = [
    ...intro,
    ...(action ? [`${action.label}:\n${action.link}`] : []),
    ...outro,
    signature,
  ].join('\n\n');
  const p = (line: string): string => `<p>${escapeHtml(line)}</p>`;
  const button = action
    ? `<p><a href="${escapeHtml(action.link)}">${escapeHtml(action.label)}</a></p>` +
      `<p style="color:#555">Or open this link: ${escapeHtml(action.link)}</p>`
    : '';
  const html =
    '<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">' +
    [...intro.map(p), button, ...outro.map(p), p(signature)].join('') +
    '</body></html>';
  // Headers must stay on one line whatever the app name holds.
  return { subject: subject.replace(/[\r\n\t]+/g, ' '), text, html };
}
