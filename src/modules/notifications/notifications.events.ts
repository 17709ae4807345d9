declare module '../../core/events/domain-events.js' {
  interface DomainEvents {
    /** An admin broadcast was accepted; its job fans it out. */
    'notification.broadcast.queued': {
      broadcastId: string;
      createdBy: string;
      role: string | null;
    };
  }
}

export {};
