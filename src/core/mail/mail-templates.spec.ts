import { describe, expect, it } from 'vitest';
import { isSaneEmail } from './mail-job.js';
import { MAIL_TEMPLATE_NAMES, type MailTemplates, renderMail } from './mail-templates.js';

const HOSTILE = '<img src=x onerror="alert(1)">';
const VARS: MailTemplates = {
  'verify-email': { link: 'https://x.test/v?token=a&b="c"' },
  'reset-password': { link: 'https://x.test/r?token=a' },
  'email-change-confirm': { link: 'https://x.test/c?token=a', newEmail: HOSTILE },
  'email-change-notice': { newEmail: HOSTILE },
  'security-alert': { event: HOSTILE, when: HOSTILE, ip: HOSTILE, userAgent: HOSTILE },
  'registration-existing': { link: 'https://x.test/login?next="<b>"' },
  notification: { title: HOSTILE, message: HOSTILE },
  'notification-digest': {
    type: HOSTILE,
    items: [{ title: HOSTILE, message: HOSTILE, when: HOSTILE }],
  },
};

describe('renderMail', () => {
  it.each(MAIL_TEMPLATE_NAMES)('%s names the app and escapes every variable', (name) => {
    const mail = renderMail(name, VARS[name], 'Shop <&> "Q"');
    expect(mail.subject).toContain('Shop <&> "Q"');
    expect(mail.text).toContain('Shop <&> "Q"');
    expect(mail.html).toContain('Shop &lt;&amp;&gt; &quot;Q&quot;');
    expect(mail.html).not.toMatch(/<img|"alert|<&>/);
  });

  it('puts the link in both parts, attribute-escaped in HTML', () => {
    const mail = renderMail('verify-email', VARS['verify-email'], 'App');
    expect(mail.text).toContain('https://x.test/v?token=a&b="c"');
    expect(mail.html).toContain('href="https://x.test/v?token=a&amp;b=&quot;c&quot;"');
  });

  it('lists ip and device only when given', () => {
    const vars = { event: 'New sign-in', when: 'now' };
    expect(renderMail('security-alert', vars, 'App').text).not.toMatch(/IP address|Device/);
    const full = renderMail(
      'security-alert',
      { ...vars, ip: '203.0.113.9', userAgent: 'curl' },
      'A',
    );
    expect(full.text).toMatch(/IP address: 203\.0\.113\.9[\s\S]*Device: curl/);
  });

  it('tells the owner of a taken address how to sign in or reset, with no token in it', () => {
    const mail = renderMail('registration-existing', { link: 'https://x.test/login' }, 'App');
    expect(mail.subject).toBe('App: someone tried to register with your email address');
    expect(mail.text).toContain('Sign in:\nhttps://x.test/login');
    expect(mail.text).toMatch(/reset it from the sign-in page/);
    expect(mail.text).toMatch(/no new account was created/);
    expect(mail.text).not.toMatch(/token=/);
  });

  it('keeps the subject on one line', () => {
    expect(renderMail('reset-password', VARS['reset-password'], 'A\r\nBcc: x').subject).toBe(
      'A Bcc: x: reset your password',
    );
  });
});

describe('isSaneEmail', () => {
  it.each(['a@b.co', 'first.last+tag@sub.example.com', 'user@localhost', `${'a'.repeat(64)}@x.io`])(
    'accepts %s',
    (address) => expect(isSaneEmail(address)).toBe(true),
  );
  it.each([
    '',
    'plain',
    'a@b@c.d',
    'a b@c.d',
    ' a@b.co',
    'a@b.co\n',
    'a@-b.co',
    'a@b..co',
    'réne@example.com',
    `${'a'.repeat(65)}@x.io`,
    `a@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(63)}.com`,
  ])('refuses %j', (address) => expect(isSaneEmail(address)).toBe(false));
});
