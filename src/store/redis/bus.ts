/**
 * The bus on Redis pub/sub: one channel per deployment (`<prefix>:bus`), JSON messages tagged
 * with the sending process, which ignores its own. Pub/sub delivers at most once: a message
 * published while a process is disconnected is lost to it (see store/bus.ts for why that is
 * enough).
 */
import { isObject } from '../../protocol/guards.ts';
import type { Bus, BusListener, BusMessage } from '../bus.ts';
import type { RedisConnection } from './connection.ts';

export class RedisBus implements Bus {
  readonly #redis: RedisConnection;
  readonly #channel: string;
  readonly #listeners: Set<BusListener>;
  #subscribed: boolean;

  constructor(redis: RedisConnection) {
    this.#redis = redis;
    this.#channel = redis.key('bus');
    this.#listeners = new Set();
    this.#subscribed = false;
  }

  publish(message: BusMessage): void {
    const text = JSON.stringify({ ...message, from: this.#redis.instanceId });
    this.#redis.commands.publish(this.#channel, text).catch((error: unknown) => this.#redis.report(error, 'Redis bus publish'));
  }

  subscribe(listener: BusListener): () => void {
    this.#listeners.add(listener);
    if (!this.#subscribed) this.#start();
    return () => this.#listeners.delete(listener);
  }

  #start(): void {
    this.#subscribed = true;
    const subscriber = this.#redis.subscriber;
    subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.#channel) this.#deliver(text);
    });
    subscriber.subscribe(this.#channel).catch((error: unknown) => this.#redis.report(error, 'Redis bus subscribe'));
  }

  #deliver(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (!isObject(message) || typeof message.type !== 'string' || message.from === this.#redis.instanceId) return;
    for (const listener of this.#listeners) {
      try {
        listener(message as unknown as BusMessage);
      } catch (error) {
        this.#redis.report(error, 'Redis bus listener');
      }
    }
  }
}
