/**
 * Listing order, filters and cursors: core's store kit, so listings page exactly like the other stores'.
 * The index range already applies the cursor; `matchesFilters` re-checking it is harmless.
 * @module
 */
import { storeKit } from '@iac-orchestrator/core';

export type NormalisedQuery = storeKit.NormalisedQuery;
export type SortKey = storeKit.SortKey;
export const { encodeCursor, decodeCursor, normaliseQuery, matchesQuery: matchesFilters } = storeKit;
