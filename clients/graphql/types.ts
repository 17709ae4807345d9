// Generated from schema.graphql by npm run clients: do not edit.
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** A date-time string at UTC, such as 2019-12-03T09:54:33Z, compliant with the date-time format. */
  DateTime: { input: string; output: string; }
  /** Any JSON value */
  JSON: { input: unknown; output: unknown; }
  /** The `Upload` scalar type represents a file upload. */
  Upload: { input: File; output: File; }
};

export type ActionCount = {
  __typename?: 'ActionCount';
  action: Scalars['String']['output'];
  count: Scalars['Int']['output'];
};

export type AdminBanUserInput = {
  reason: Scalars['String']['input'];
  until?: InputMaybe<Scalars['String']['input']>;
  userId: Scalars['ID']['input'];
};

export type AdminBulkBanInput = {
  reason: Scalars['String']['input'];
  until?: InputMaybe<Scalars['String']['input']>;
  userIds: Array<Scalars['ID']['input']>;
};

export type AdminBulkRolesInput = {
  action: Scalars['String']['input'];
  role: Scalars['String']['input'];
  userIds: Array<Scalars['ID']['input']>;
};

export type AdminRoleInput = {
  role: Scalars['String']['input'];
  userId: Scalars['ID']['input'];
};

export type AdminUpdateUserInput = {
  bio?: InputMaybe<Scalars['String']['input']>;
  emailVerified?: InputMaybe<Scalars['Boolean']['input']>;
  firstName?: InputMaybe<Scalars['String']['input']>;
  lastName?: InputMaybe<Scalars['String']['input']>;
};

export type AdminUser = {
  __typename?: 'AdminUser';
  avatarFileId?: Maybe<Scalars['ID']['output']>;
  banReason?: Maybe<Scalars['String']['output']>;
  bannedAt?: Maybe<Scalars['DateTime']['output']>;
  bannedUntil?: Maybe<Scalars['DateTime']['output']>;
  bio?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  deletedAt?: Maybe<Scalars['DateTime']['output']>;
  email: Scalars['String']['output'];
  emailVerified: Scalars['Boolean']['output'];
  firstName?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  lastName?: Maybe<Scalars['String']['output']>;
  locale?: Maybe<Scalars['String']['output']>;
  roles: Array<Scalars['String']['output']>;
  status: Scalars['String']['output'];
  timezone?: Maybe<Scalars['String']['output']>;
  username?: Maybe<Scalars['String']['output']>;
};

export type AdminUserPage = {
  __typename?: 'AdminUserPage';
  items: Array<AdminUser>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
};

export type AdminUsersFilter = {
  q?: InputMaybe<Scalars['String']['input']>;
  registeredAfter?: InputMaybe<Scalars['String']['input']>;
  registeredBefore?: InputMaybe<Scalars['String']['input']>;
  role?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<Scalars['String']['input']>;
};

export type ApiKey = {
  __typename?: 'ApiKey';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  ownerId: Scalars['ID']['output'];
  prefix: Scalars['String']['output'];
  scopes: Array<Scalars['String']['output']>;
};

export type ApiKeyPage = {
  __typename?: 'ApiKeyPage';
  items: Array<ApiKey>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
};

export type AuditActor = {
  __typename?: 'AuditActor';
  email: Scalars['String']['output'];
  id: Scalars['ID']['output'];
  username?: Maybe<Scalars['String']['output']>;
};

export type AuditLogEntry = {
  __typename?: 'AuditLogEntry';
  action: Scalars['String']['output'];
  /** Who acted (null for the system or an anonymous caller) */
  actor?: Maybe<AuditActor>;
  actorId?: Maybe<Scalars['String']['output']>;
  actorType: Scalars['String']['output'];
  description?: Maybe<Scalars['String']['output']>;
  entityId?: Maybe<Scalars['String']['output']>;
  entityType?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  ip?: Maybe<Scalars['String']['output']>;
  /** The changed fields after the action, or the event payload (secrets redacted) */
  newValues?: Maybe<Scalars['JSON']['output']>;
  occurredAt: Scalars['DateTime']['output'];
  /** The changed fields before the action (secrets redacted) */
  oldValues?: Maybe<Scalars['JSON']['output']>;
  requestId?: Maybe<Scalars['String']['output']>;
  status: Scalars['String']['output'];
  userAgent?: Maybe<Scalars['String']['output']>;
};

export type AuditLogExportInput = {
  filter?: InputMaybe<AuditLogFilter>;
  /** csv or json */
  format: Scalars['String']['input'];
};

export type AuditLogFilter = {
  action?: InputMaybe<Scalars['String']['input']>;
  actorId?: InputMaybe<Scalars['ID']['input']>;
  entityId?: InputMaybe<Scalars['String']['input']>;
  entityType?: InputMaybe<Scalars['String']['input']>;
  from?: InputMaybe<Scalars['String']['input']>;
  q?: InputMaybe<Scalars['String']['input']>;
  status?: InputMaybe<Scalars['String']['input']>;
  to?: InputMaybe<Scalars['String']['input']>;
};

export type AuditLogPage = {
  __typename?: 'AuditLogPage';
  items: Array<AuditLogEntry>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
};

export type AuthPayload = {
  __typename?: 'AuthPayload';
  accessToken?: Maybe<Scalars['String']['output']>;
  expiresIn?: Maybe<Scalars['Int']['output']>;
  refreshToken?: Maybe<Scalars['String']['output']>;
  user: User;
};

export type AuthProvider = {
  __typename?: 'AuthProvider';
  id: Scalars['String']['output'];
  name: Scalars['String']['output'];
};

export type BroadcastAccepted = {
  __typename?: 'BroadcastAccepted';
  broadcastId: Scalars['ID']['output'];
  jobId: Scalars['ID']['output'];
};

export type BroadcastNotificationInput = {
  message: Scalars['String']['input'];
  role?: InputMaybe<Scalars['String']['input']>;
  title: Scalars['String']['input'];
};

export type BulkResult = {
  __typename?: 'BulkResult';
  updated: Scalars['Int']['output'];
};

export type ChangeEmailInput = {
  newEmail: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

export type ChangePasswordInput = {
  currentPassword: Scalars['String']['input'];
  newPassword: Scalars['String']['input'];
};

export type Consent = {
  __typename?: 'Consent';
  granted: Scalars['Boolean']['output'];
  policyVersion?: Maybe<Scalars['String']['output']>;
  purpose: Scalars['String']['output'];
  updatedAt?: Maybe<Scalars['DateTime']['output']>;
};

export type ConsentInput = {
  granted: Scalars['Boolean']['input'];
  /** The version of the policy the user was shown */
  policyVersion: Scalars['String']['input'];
  /** One of essential, analytics, marketing */
  purpose: Scalars['String']['input'];
};

export type CreateApiKeyInput = {
  /** ISO 8601 date-time */
  expiresAt?: InputMaybe<Scalars['String']['input']>;
  name: Scalars['String']['input'];
  ownerId?: InputMaybe<Scalars['ID']['input']>;
  scopes: Array<Scalars['String']['input']>;
};

export type CreateInviteInput = {
  email?: InputMaybe<Scalars['String']['input']>;
  expiresInHours?: InputMaybe<Scalars['Int']['input']>;
  role?: InputMaybe<Scalars['String']['input']>;
};

export type CreatedApiKey = {
  __typename?: 'CreatedApiKey';
  createdAt: Scalars['DateTime']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  /** The key (nsk_…): shown once, store it now */
  key: Scalars['String']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  name: Scalars['String']['output'];
  ownerId: Scalars['ID']['output'];
  prefix: Scalars['String']['output'];
  scopes: Array<Scalars['String']['output']>;
};

export type DeleteAccountInput = {
  mode?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
  reason?: InputMaybe<Scalars['String']['input']>;
};

export type DisableTwoFactorInput = {
  code: Scalars['String']['input'];
  password: Scalars['String']['input'];
};

export type ExchangeOidcCodeInput = {
  code: Scalars['String']['input'];
  otp?: InputMaybe<Scalars['String']['input']>;
};

export type File = {
  __typename?: 'File';
  createdAt: Scalars['DateTime']['output'];
  hasThumbnails: Scalars['Boolean']['output'];
  height?: Maybe<Scalars['Int']['output']>;
  id: Scalars['ID']['output'];
  /** avatar or attachment */
  kind: Scalars['String']['output'];
  mimeType: Scalars['String']['output'];
  name: Scalars['String']['output'];
  ownerId: Scalars['ID']['output'];
  processedAt?: Maybe<Scalars['DateTime']['output']>;
  sha256: Scalars['String']['output'];
  /** Bytes */
  size: Scalars['Float']['output'];
  /** processing, ready or failed */
  status: Scalars['String']['output'];
  /** A signed link to a WebP thumbnail (64 or 256 px), once processed */
  thumbnailUrl?: Maybe<Scalars['String']['output']>;
  /** A signed download link (FILES_LINK_TTL_SECONDS) */
  url: Scalars['String']['output'];
  width?: Maybe<Scalars['Int']['output']>;
};


export type FileThumbnailUrlArgs = {
  size?: InputMaybe<Scalars['Int']['input']>;
};

export type FileLink = {
  __typename?: 'FileLink';
  expiresAt: Scalars['DateTime']['output'];
  url: Scalars['String']['output'];
};

export type FileLinkInput = {
  expiresInSeconds?: InputMaybe<Scalars['Int']['input']>;
};

export type FilePage = {
  __typename?: 'FilePage';
  items: Array<File>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
};

export type Identity = {
  __typename?: 'Identity';
  email?: Maybe<Scalars['String']['output']>;
  emailVerified: Scalars['Boolean']['output'];
  id: Scalars['ID']['output'];
  issuer: Scalars['String']['output'];
  lastUsedAt?: Maybe<Scalars['DateTime']['output']>;
  linkedAt: Scalars['DateTime']['output'];
  provider: Scalars['String']['output'];
};

export type IdentityLinkStart = {
  __typename?: 'IdentityLinkStart';
  url: Scalars['String']['output'];
};

export type IdentityPage = {
  __typename?: 'IdentityPage';
  items: Array<Identity>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
};

export type InviteCreated = {
  __typename?: 'InviteCreated';
  email?: Maybe<Scalars['String']['output']>;
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['String']['output'];
  role?: Maybe<Scalars['String']['output']>;
  token: Scalars['String']['output'];
};

/** A background job and how far it got */
export type Job = {
  __typename?: 'Job';
  attempts: Scalars['Int']['output'];
  createdAt: Scalars['DateTime']['output'];
  error?: Maybe<Scalars['String']['output']>;
  finishedAt?: Maybe<Scalars['DateTime']['output']>;
  id: Scalars['ID']['output'];
  progress: Scalars['Float']['output'];
  queue: Scalars['String']['output'];
  result?: Maybe<Scalars['JSON']['output']>;
  status: Scalars['String']['output'];
  type: Scalars['String']['output'];
};

/** A background job was queued */
export type JobAccepted = {
  __typename?: 'JobAccepted';
  jobId: Scalars['String']['output'];
};

export type LoginInput = {
  email: Scalars['String']['input'];
  otp?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
};

export type Mutation = {
  __typename?: 'Mutation';
  /** Admin: assign a role */
  adminAssignRole: AdminUser;
  /** Admin: ban a user; their sessions are revoked */
  adminBanUser: AdminUser;
  /** Admin: ban up to 100 users */
  adminBulkBan: BulkResult;
  /** Admin: assign or revoke a role for up to 100 users */
  adminBulkRoles: BulkResult;
  /** Admin: restore an account deleted within its restore window */
  adminRestoreUser: AdminUser;
  /** Admin: revoke a role */
  adminRevokeRole: AdminUser;
  /** Admin: lift a ban */
  adminUnbanUser: AdminUser;
  /** Admin: edit a user's profile */
  adminUpdateUser: AdminUser;
  /** Admin: notify every user, or the users of one role (a job fans it out) */
  broadcastNotification: BroadcastAccepted;
  /** Change my email: a link goes to the new address, a notice to the old one */
  changeEmail: Scalars['Boolean']['output'];
  /** Change my password; my other sessions are revoked */
  changePassword: Scalars['Boolean']['output'];
  /** Confirm a change of email with the mailed token */
  confirmEmailChange: Scalars['Boolean']['output'];
  /** Create an API key (the key is in this answer only) */
  createApiKey: CreatedApiKey;
  /** Issue a registration invite (shown once) */
  createInvite: InviteCreated;
  /** A single-use ticket for GET /notifications/stream?ticket= (EventSource) */
  createNotificationStreamTicket: NotificationStreamTicket;
  /** Delete my account (restorable for a while, then anonymised) */
  deleteAccount: Scalars['Boolean']['output'];
  /** Delete a file (soft) */
  deleteFile: Scalars['Boolean']['output'];
  /** Delete one of my notifications */
  deleteNotification: Scalars['Boolean']['output'];
  /** Turn two-factor off with the password and a code */
  disableTwoFactor: Scalars['Boolean']['output'];
  /** Confirm a code and turn two-factor on; returns 10 backup codes once */
  enableTwoFactor: TwoFactorBackupCodes;
  /** Exchange the OpenID callback's one-time code for a session */
  exchangeOidcCode: AuthPayload;
  /** Admin: export the audit log (background job) */
  exportAuditLogs: JobAccepted;
  /** Export my data (GDPR) as a background job */
  exportMyData: JobAccepted;
  /** A signed, expiring download link */
  fileLink: FileLink;
  /** Start linking a provider: open the returned URL in the browser */
  linkIdentity: IdentityLinkStart;
  /** Exchange email and password for tokens */
  login: AuthPayload;
  /** End the access token's session */
  logout: Scalars['Boolean']['output'];
  /** Mark all my notifications read; answers how many were unread */
  markAllNotificationsAsRead: Scalars['Int']['output'];
  /** Mark one of my notifications read */
  markNotificationAsRead: Notification;
  /** Rotate the refresh token */
  refreshToken: AuthPayload;
  /** Create an account and start a session */
  register: AuthPayload;
  /** Mail a password reset link; always true, whether or not the account exists */
  requestPasswordReset: Scalars['Boolean']['output'];
  /** Mail a new verification link (nothing when already verified) */
  resendVerificationEmail: Scalars['Boolean']['output'];
  /** Set a new password with the mailed token */
  resetPassword: Scalars['Boolean']['output'];
  /** Restore my deleted account within the restore window and start a session (login credentials) */
  restoreAccount: AuthPayload;
  /** Revoke the key, at once on every instance */
  revokeApiKey: Scalars['Boolean']['output'];
  /** Revoke all my sessions but the current one; returns how many */
  revokeOtherSessions: Scalars['Int']['output'];
  /** Revoke one of my sessions */
  revokeSession: Scalars['Boolean']['output'];
  /** A new secret for the key; the old one stops */
  rotateApiKey: CreatedApiKey;
  /** Grant or withdraw a consent (history kept) */
  setConsent: Consent;
  /** Start two-factor setup (pending secret) */
  setupTwoFactor: TwoFactorSetup;
  /** Unlink a provider account (never the last way in) */
  unlinkIdentity: Scalars['Boolean']['output'];
  /** Switch channels per type (critical types stay on their defaults) */
  updateNotificationPreferences: Array<NotificationPreference>;
  /** Update my profile */
  updateProfile: User;
  /** Upload my avatar; it becomes avatarFileId */
  uploadAvatar: File;
  /** Upload an attachment (GraphQL multipart request) */
  uploadFile: File;
  /** Confirm the email address with the mailed token */
  verifyEmail: Scalars['Boolean']['output'];
};


export type MutationAdminAssignRoleArgs = {
  input: AdminRoleInput;
};


export type MutationAdminBanUserArgs = {
  input: AdminBanUserInput;
};


export type MutationAdminBulkBanArgs = {
  input: AdminBulkBanInput;
};


export type MutationAdminBulkRolesArgs = {
  input: AdminBulkRolesInput;
};


export type MutationAdminRestoreUserArgs = {
  userId: Scalars['ID']['input'];
};


export type MutationAdminRevokeRoleArgs = {
  input: AdminRoleInput;
};


export type MutationAdminUnbanUserArgs = {
  userId: Scalars['ID']['input'];
};


export type MutationAdminUpdateUserArgs = {
  id: Scalars['ID']['input'];
  input: AdminUpdateUserInput;
};


export type MutationBroadcastNotificationArgs = {
  input: BroadcastNotificationInput;
};


export type MutationChangeEmailArgs = {
  input: ChangeEmailInput;
};


export type MutationChangePasswordArgs = {
  input: ChangePasswordInput;
};


export type MutationConfirmEmailChangeArgs = {
  token: Scalars['String']['input'];
};


export type MutationCreateApiKeyArgs = {
  input: CreateApiKeyInput;
};


export type MutationCreateInviteArgs = {
  input?: InputMaybe<CreateInviteInput>;
};


export type MutationDeleteAccountArgs = {
  input: DeleteAccountInput;
};


export type MutationDeleteFileArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDeleteNotificationArgs = {
  id: Scalars['ID']['input'];
};


export type MutationDisableTwoFactorArgs = {
  input: DisableTwoFactorInput;
};


export type MutationEnableTwoFactorArgs = {
  code: Scalars['String']['input'];
};


export type MutationExchangeOidcCodeArgs = {
  input: ExchangeOidcCodeInput;
};


export type MutationExportAuditLogsArgs = {
  input: AuditLogExportInput;
};


export type MutationFileLinkArgs = {
  id: Scalars['ID']['input'];
  input?: InputMaybe<FileLinkInput>;
};


export type MutationLinkIdentityArgs = {
  provider: Scalars['String']['input'];
};


export type MutationLoginArgs = {
  input: LoginInput;
};


export type MutationLogoutArgs = {
  refreshToken?: InputMaybe<Scalars['String']['input']>;
};


export type MutationMarkNotificationAsReadArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRefreshTokenArgs = {
  token: Scalars['String']['input'];
};


export type MutationRegisterArgs = {
  input: RegisterInput;
};


export type MutationRequestPasswordResetArgs = {
  email: Scalars['String']['input'];
};


export type MutationResetPasswordArgs = {
  input: ResetPasswordInput;
};


export type MutationRestoreAccountArgs = {
  input: RestoreAccountInput;
};


export type MutationRevokeApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRevokeSessionArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRotateApiKeyArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetConsentArgs = {
  input: ConsentInput;
};


export type MutationUnlinkIdentityArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUpdateNotificationPreferencesArgs = {
  input: UpdateNotificationPreferencesInput;
};


export type MutationUpdateProfileArgs = {
  input: UpdateProfileInput;
};


export type MutationUploadAvatarArgs = {
  file: Scalars['Upload']['input'];
};


export type MutationUploadFileArgs = {
  file: Scalars['Upload']['input'];
  kind?: InputMaybe<Scalars['String']['input']>;
};


export type MutationVerifyEmailArgs = {
  token: Scalars['String']['input'];
};

export type Notification = {
  __typename?: 'Notification';
  createdAt: Scalars['DateTime']['output'];
  data: Scalars['JSON']['output'];
  entityId?: Maybe<Scalars['String']['output']>;
  entityType?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  /** info, success, warning, error */
  level: Scalars['String']['output'];
  message: Scalars['String']['output'];
  readAt?: Maybe<Scalars['DateTime']['output']>;
  title: Scalars['String']['output'];
  type: Scalars['String']['output'];
};

export type NotificationFilter = {
  type?: InputMaybe<Scalars['String']['input']>;
  unread?: InputMaybe<Scalars['Boolean']['input']>;
};

export type NotificationPage = {
  __typename?: 'NotificationPage';
  items: Array<Notification>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
  unreadCount: Scalars['Int']['output'];
};

export type NotificationPreference = {
  __typename?: 'NotificationPreference';
  critical: Scalars['Boolean']['output'];
  description: Scalars['String']['output'];
  email: Scalars['Boolean']['output'];
  inApp: Scalars['Boolean']['output'];
  realtime: Scalars['Boolean']['output'];
  type: Scalars['String']['output'];
};

export type NotificationPreferenceInput = {
  email?: InputMaybe<Scalars['Boolean']['input']>;
  inApp?: InputMaybe<Scalars['Boolean']['input']>;
  realtime?: InputMaybe<Scalars['Boolean']['input']>;
  type: Scalars['String']['input'];
};

export type NotificationStreamTicket = {
  __typename?: 'NotificationStreamTicket';
  expiresAt: Scalars['DateTime']['output'];
  ticket: Scalars['String']['output'];
};

export type PageInput = {
  cursor?: InputMaybe<Scalars['String']['input']>;
  limit?: InputMaybe<Scalars['Int']['input']>;
};

export type Query = {
  __typename?: 'Query';
  /** The live API keys I own or made (never the secret) */
  apiKeys: ApiKeyPage;
  /** Admin: search all audit entries, sorted by time */
  auditLogs: AuditLogPage;
  /** The configured sign-in providers */
  authProviders: Array<AuthProvider>;
  /** A file's metadata (owner or files.read.any) */
  file: File;
  /** A background job's status, progress and result */
  job: Job;
  /** My account */
  me: User;
  /** My own audit entries, newest first */
  myAuditLogs: AuditLogPage;
  /** My consents: the current state of every purpose */
  myConsents: Array<Consent>;
  /** My files, newest first */
  myFiles: FilePage;
  /** The provider accounts linked to mine */
  myIdentities: IdentityPage;
  /** My storage use and quota */
  myStorageUsage: StorageUsage;
  /** Every notification type with the channels it reaches me on */
  notificationPreferences: Array<NotificationPreference>;
  /** My notifications, newest first */
  notifications: NotificationPage;
  /** My active sessions, newest first */
  sessions: SessionPage;
  /** Admin: the metrics statsTimeseries serves */
  statsMetrics: Array<StatsMetric>;
  /** Admin: one metric as chart-ready series */
  statsTimeseries: StatsTimeseries;
  /** Admin: totals for the last day, week or month */
  systemStats: SystemStats;
  /** How many of my notifications are unread */
  unreadNotificationsCount: Scalars['Int']['output'];
  /** Admin: a user's activity summary */
  userActivity: UserActivity;
  /** Admin: list, filter, search and sort users */
  users: AdminUserPage;
};


export type QueryAuditLogsArgs = {
  filter?: InputMaybe<AuditLogFilter>;
  page?: InputMaybe<PageInput>;
  sort?: InputMaybe<Scalars['String']['input']>;
};


export type QueryFileArgs = {
  id: Scalars['ID']['input'];
};


export type QueryJobArgs = {
  id: Scalars['ID']['input'];
};


export type QueryMyAuditLogsArgs = {
  page?: InputMaybe<PageInput>;
};


export type QueryMyFilesArgs = {
  page?: InputMaybe<PageInput>;
};


export type QueryNotificationsArgs = {
  filter?: InputMaybe<NotificationFilter>;
  page?: InputMaybe<PageInput>;
};


export type QuerySessionsArgs = {
  page?: InputMaybe<PageInput>;
};


export type QueryStatsTimeseriesArgs = {
  input: StatsTimeseriesInput;
};


export type QuerySystemStatsArgs = {
  period?: InputMaybe<Scalars['String']['input']>;
};


export type QueryUserActivityArgs = {
  userId: Scalars['ID']['input'];
};


export type QueryUsersArgs = {
  filter?: InputMaybe<AdminUsersFilter>;
  page?: InputMaybe<PageInput>;
  sort?: InputMaybe<Scalars['String']['input']>;
};

export type RegisterInput = {
  consents?: InputMaybe<Array<ConsentInput>>;
  email: Scalars['String']['input'];
  inviteToken?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
  username?: InputMaybe<Scalars['String']['input']>;
};

export type ResetPasswordInput = {
  password: Scalars['String']['input'];
  token: Scalars['String']['input'];
};

export type RestoreAccountInput = {
  email: Scalars['String']['input'];
  otp?: InputMaybe<Scalars['String']['input']>;
  password: Scalars['String']['input'];
};

export type Session = {
  __typename?: 'Session';
  createdAt: Scalars['DateTime']['output'];
  current: Scalars['Boolean']['output'];
  expiresAt: Scalars['DateTime']['output'];
  id: Scalars['ID']['output'];
  ip?: Maybe<Scalars['String']['output']>;
  lastUsedAt: Scalars['DateTime']['output'];
  userAgent?: Maybe<Scalars['String']['output']>;
};

export type SessionPage = {
  __typename?: 'SessionPage';
  items: Array<Session>;
  nextCursor?: Maybe<Scalars['String']['output']>;
  totalCount: Scalars['Int']['output'];
};

export type StatsApi = {
  __typename?: 'StatsApi';
  errorRate4xx: Scalars['Float']['output'];
  errorRate5xx: Scalars['Float']['output'];
  p95Ms: Scalars['Float']['output'];
  requests: Scalars['Int']['output'];
  routeGroups: Array<StatsRouteGroup>;
};

export type StatsChannelCount = {
  __typename?: 'StatsChannelCount';
  channel: Scalars['String']['output'];
  count: Scalars['Int']['output'];
};

export type StatsFiles = {
  __typename?: 'StatsFiles';
  storageBytes: Scalars['Float']['output'];
  topUsers: Array<StatsTopUser>;
  uploads: Scalars['Int']['output'];
};

export type StatsMetric = {
  __typename?: 'StatsMetric';
  description: Scalars['String']['output'];
  intervals: Array<Scalars['String']['output']>;
  name: Scalars['String']['output'];
  series: Array<Scalars['String']['output']>;
};

export type StatsNotifications = {
  __typename?: 'StatsNotifications';
  read: Scalars['Int']['output'];
  sent: Array<StatsChannelCount>;
};

export type StatsQueue = {
  __typename?: 'StatsQueue';
  active: Scalars['Int']['output'];
  completed: Scalars['Int']['output'];
  delayed: Scalars['Int']['output'];
  failed: Scalars['Int']['output'];
  name: Scalars['String']['output'];
  waiting: Scalars['Int']['output'];
};

export type StatsRouteGroup = {
  __typename?: 'StatsRouteGroup';
  errors4xx: Scalars['Int']['output'];
  errors5xx: Scalars['Int']['output'];
  group: Scalars['String']['output'];
  p95Ms: Scalars['Float']['output'];
  requests: Scalars['Int']['output'];
};

export type StatsSeries = {
  __typename?: 'StatsSeries';
  name: Scalars['String']['output'];
  values: Array<Scalars['Float']['output']>;
};

export type StatsSignIns = {
  __typename?: 'StatsSignIns';
  failed: Scalars['Int']['output'];
  succeeded: Scalars['Int']['output'];
};

export type StatsTimeseries = {
  __typename?: 'StatsTimeseries';
  from: Scalars['String']['output'];
  interval: Scalars['String']['output'];
  metric: Scalars['String']['output'];
  series: Array<StatsSeries>;
  timestamps: Array<Scalars['String']['output']>;
  to: Scalars['String']['output'];
};

export type StatsTimeseriesInput = {
  /** ISO 8601; the bucket holding it is the first */
  from: Scalars['String']['input'];
  /** hour (within the last 48 hours) or day; at most 400 buckets */
  interval?: InputMaybe<Scalars['String']['input']>;
  /** One of statsMetrics */
  metric: Scalars['String']['input'];
  /** ISO 8601, after from; exclusive */
  to: Scalars['String']['input'];
};

export type StatsTopUser = {
  __typename?: 'StatsTopUser';
  bytes: Scalars['Float']['output'];
  files: Scalars['Int']['output'];
  userId: Scalars['String']['output'];
};

export type StatsUsers = {
  __typename?: 'StatsUsers';
  active: Scalars['Int']['output'];
  banned: Scalars['Int']['output'];
  dau: Scalars['Int']['output'];
  mau: Scalars['Int']['output'];
  new: Scalars['Int']['output'];
  total: Scalars['Int']['output'];
  unverified: Scalars['Int']['output'];
  wau: Scalars['Int']['output'];
};

export type StorageUsage = {
  __typename?: 'StorageUsage';
  fileCount: Scalars['Int']['output'];
  quotaBytes: Scalars['Float']['output'];
  usedBytes: Scalars['Float']['output'];
};

export type Subscription = {
  __typename?: 'Subscription';
  /** My notifications as they arrive (graphql-ws; token in connection_init) */
  notificationAdded: Notification;
};


export type SubscriptionNotificationAddedArgs = {
  type?: InputMaybe<Scalars['String']['input']>;
};

export type SystemStats = {
  __typename?: 'SystemStats';
  api: StatsApi;
  files: StatsFiles;
  from: Scalars['String']['output'];
  generatedAt: Scalars['String']['output'];
  notifications: StatsNotifications;
  period: Scalars['String']['output'];
  queues: Array<StatsQueue>;
  registrations: Scalars['Int']['output'];
  signIns: StatsSignIns;
  to: Scalars['String']['output'];
  users: StatsUsers;
};

export type TwoFactorBackupCodes = {
  __typename?: 'TwoFactorBackupCodes';
  backupCodes: Array<Scalars['String']['output']>;
};

export type TwoFactorSetup = {
  __typename?: 'TwoFactorSetup';
  otpauthUrl: Scalars['String']['output'];
  secret: Scalars['String']['output'];
};

export type UpdateNotificationPreferencesInput = {
  preferences: Array<NotificationPreferenceInput>;
};

export type UpdateProfileInput = {
  bio?: InputMaybe<Scalars['String']['input']>;
  firstName?: InputMaybe<Scalars['String']['input']>;
  lastName?: InputMaybe<Scalars['String']['input']>;
  locale?: InputMaybe<Scalars['String']['input']>;
  timezone?: InputMaybe<Scalars['String']['input']>;
};

export type User = {
  __typename?: 'User';
  avatarFileId?: Maybe<Scalars['ID']['output']>;
  bio?: Maybe<Scalars['String']['output']>;
  createdAt: Scalars['DateTime']['output'];
  email: Scalars['String']['output'];
  emailVerified: Scalars['Boolean']['output'];
  firstName?: Maybe<Scalars['String']['output']>;
  id: Scalars['ID']['output'];
  lastName?: Maybe<Scalars['String']['output']>;
  locale?: Maybe<Scalars['String']['output']>;
  roles: Array<Scalars['String']['output']>;
  timezone?: Maybe<Scalars['String']['output']>;
  username?: Maybe<Scalars['String']['output']>;
};

export type UserActivity = {
  __typename?: 'UserActivity';
  countsByAction: Array<ActionCount>;
  failedLoginsLast24h: Scalars['Int']['output'];
  lastLoginAt?: Maybe<Scalars['DateTime']['output']>;
  lastLoginIp?: Maybe<Scalars['String']['output']>;
};
