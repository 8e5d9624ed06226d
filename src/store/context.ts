import type { Actor } from '../domain/model.ts';
import type { Store } from './store.ts';

/** What every service call runs with: the store, who is acting (for the change log), and a clock. */
export interface Context {
  store: Store;
  actor: Actor;
  now(): Date;
}

export function makeContext(store: Store, actorName: string, now: () => Date = () => new Date()): Context {
  return { store, actor: { name: actorName }, now };
}
