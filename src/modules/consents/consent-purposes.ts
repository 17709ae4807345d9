/** What a user can consent to; `essential` is the one CONSENT_REQUIRED asks for at registration. */
export const CONSENT_PURPOSES = ['essential', 'analytics', 'marketing'] as const;

export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
