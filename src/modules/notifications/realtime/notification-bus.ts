import type { BusMessage } from './bus-message.js';

/**
 * Fan-out between instances. Every instance, the publishing one included, receives each
 * message exactly once through the bus: delivery has one path and never duplicates.
 */
export abstract class NotificationBus {
  /** Connects and starts handing received messages to `onMessage`. */
  abstract start(onMessage: (message: BusMessage) => void): Promise<void>;
  abstract publish(messages: BusMessage[]): Promise<void>;
  abstract stop(): Promise<void>;
}
