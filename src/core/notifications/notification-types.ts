import { Injectable } from '@nestjs/common';
import type { DomainEvent, DomainEventName } from '../events/domain-events.js';
import type { MailTemplateName, MailTemplates } from '../mail/mail-templates.js';

export const NOTIFICATION_CHANNELS = ['in_app', 'email', 'realtime'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

export const NOTIFICATION_LEVELS = ['info', 'success', 'warning', 'error'] as const;
export type NotificationLevel = (typeof NOTIFICATION_LEVELS)[number];

/** What a producer says about one notification; the notifications module stores and delivers it. */
export interface NotificationDraft {
  userId: string;
  title: string;
  body: string;
  level?: NotificationLevel;
  data?: Record<string, unknown>;
  entity?: { type: string; id: string };
  /** A second draft with the same key for the same user and type is not stored again. */
  dedupeKey?: string;
}

type Producer<K extends DomainEventName> = (
  event: DomainEvent<K>,
) => NotificationDraft | null | Promise<NotificationDraft | null>;

/** The domain events that produce a type, each with its mapping (null: nothing to tell). */
export type NotificationProducers = { [K in DomainEventName]?: Producer<K> };

/** A stored notification, as a type's own mail template sees it. */
export interface NotificationForMail {
  title: string;
  message: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

/** A mail template with its variables. */
export type NotificationMail = {
  [K in MailTemplateName]: { template: K; vars: MailTemplates[K] };
}[MailTemplateName];

/** One kind of notification, declared by the module that owns what it tells about. */
export interface NotificationType {
  /** snake_case, stored with each notification, e.g. 'file_processed'. */
  name: string;
  description: string;
  defaultChannels: readonly NotificationChannel[];
  /** Delivered on its default channels whatever the user's preferences (e.g. security alerts). */
  critical?: boolean;
  from?: NotificationProducers;
  /** The mail for one notification of this type; default: the `notification` template. */
  mail?: (notification: NotificationForMail) => NotificationMail;
}

const TYPE_NAME = /^[a-z][a-z0-9_]{0,63}$/;

/**
 * The registry of notification types. A module registers its types in onModuleInit
 * (`types.register({...})`); the notifications module listens to the events they name, so a
 * new type never means editing the notifications module.
 */
@Injectable()
export class NotificationTypes {
  private readonly types = new Map<string, NotificationType>();

  register(type: NotificationType): void {
    if (!TYPE_NAME.test(type.name)) {
      throw new Error(`Notification type '${type.name}' must be snake_case`);
    }
    if (this.types.has(type.name)) {
      throw new Error(`A notification type '${type.name}' is registered`);
    }
    this.types.set(type.name, type);
  }

  get(name: string): NotificationType | undefined {
    return this.types.get(name);
  }

  /** By name, so listings do not depend on the order modules start in. */
  all(): NotificationType[] {
    return [...this.types.values()].sort((a, b) => a.name.localeCompare(b.name));
  }

  /** Every (event, type, producer) triple, for the listener that turns events into drafts. */
  producers(): Array<{ event: DomainEventName; type: NotificationType; produce: Producer<never> }> {
    return this.all().flatMap((type) =>
      Object.entries(type.from ?? {}).map(([event, produce]) => ({
        event: event as DomainEventName,
        type,
        produce: produce as Producer<never>,
      })),
    );
  }
}
