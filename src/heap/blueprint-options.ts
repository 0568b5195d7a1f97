import { z } from 'zod';
import type { Blueprint } from '../contract/index.js';
import { parseOrThrow } from '../contract/index.js';

/** The Heap-specific part of a blueprint, under `options`. Every field has a default, stated once. */
/** Strict at every level: a misspelt option would otherwise be stored and silently do nothing. */
export const HeapBlueprintOptionsSchema = z.strictObject({
  identity: z
    .strictObject({
      /**
       * How an event without userId reaches Heap: `user_id_hash` (a real anonymous Heap user that an
       * identify merges), `identity` (the anonymousId as identity: a separate user, never merged),
       * `drop` (not sent).
       */
      anonymous: z.enum(['user_id_hash', 'identity', 'drop']).default('user_id_hash'),
      /** On identify with both ids, call /api/v1/identify so prior anonymous activity moves over. */
      merge_on_identify: z.boolean().default(true),
      /**
       * `context.traits` of an event Heap records as a track event (track, page, screen): `user_properties`
       * sends them as the user's properties beside the event, as the Segment spec means them and as the
       * peer Heap destinations do; `ignore` leaves them out. Either way a result says when they were not sent.
       */
      context_traits: z.enum(['user_properties', 'ignore']).default('user_properties'),
    })
    .prefault({}),
  properties: z
    .strictObject({
      /** Arrays of scalars: `join` with `||` (Heap's own), `index` keys (`a.0`), or a `json` string. */
      arrays: z.enum(['join', 'index', 'json']).default('join'),
    })
    .prefault({}),
});
export type HeapBlueprintOptions = z.infer<typeof HeapBlueprintOptionsSchema>;
export type AnonymousStrategy = HeapBlueprintOptions['identity']['anonymous'];
export type ArrayMode = HeapBlueprintOptions['properties']['arrays'];
export type ContextTraitsMode = HeapBlueprintOptions['identity']['context_traits'];

/** The blueprint's Heap options, parsed with the schema the plugin offers hosts (`blueprintOptionsSchema`). */
export function heapOptions(blueprint: Blueprint): HeapBlueprintOptions {
  return parseOrThrow(HeapBlueprintOptionsSchema, blueprint.options ?? {}, 'Blueprint options', 'options');
}
