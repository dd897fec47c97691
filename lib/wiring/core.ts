import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { documentClientOf, makeDynamo } from '../aws/clients.js';
import { type Clock, systemClock } from '../clock.js';
import { type Config, config } from '../config.js';
import { type Authenticate, makeAuthenticator } from '../http/auth.js';
import { dynamoRateLimiter, type RateLimiter } from '../http/rate-limit.js';
import { type Ids, realIds } from '../ids.js';
import { dynamoStore } from '../provisioning/dynamo-store.js';
import type { Store } from '../provisioning/store.js';
import { once } from './once.js';

// A handler's bundle holds what its module graph imports, so the tiers are built bottom-up: the core
// (DynamoDB only) here, each fuller tier in its own module extending it, and `deps.ts` wiring all of
// them. A route takes the smallest tier that serves it; this module imports nothing a store-only route
// does not run (a module with work at its top level would otherwise ride along into every bundle).

/** The table, ids and time: what every function starts from. DynamoDB is its only AWS client. */
export interface StoreDeps {
  store: Store;
  ids: Ids;
  clock: Clock;
  statusDeadlineMinutes: number;
  /** REVERIFY_INTERVAL in milliseconds (optional only to match TransitionDeps; makeCore always sets it). */
  reverifyIntervalMs?: number;
  config: Config;
}

/** What an HTTP route adds: who the caller is, and the caller's budget (the event functions have neither). */
export interface RouteGuards {
  authenticate: Authenticate;
  /** Per-tenant request budget of the HTTP routes (429 with Retry-After when spent). */
  rateLimit: RateLimiter;
}

/** What the store-only routes need: the table, auth, ids and time. */
export interface CoreDeps extends StoreDeps, RouteGuards {}

/** The store pieces from configuration and a DynamoDB client. */
export const makeStoreDeps = (cfg: Config, dynamo: DynamoDBClient, clock: Clock = systemClock): StoreDeps => ({
  store: dynamoStore(documentClientOf(dynamo), cfg.tableName),
  ids: realIds(),
  clock,
  statusDeadlineMinutes: cfg.statusDeadlineMinutes,
  reverifyIntervalMs: cfg.reverifyIntervalMs,
  config: cfg,
});

/** An HTTP route's guards from configuration and a DynamoDB client (the budget is kept in the table). */
export const makeRouteGuards = (cfg: Config, dynamo: DynamoDBClient, clock: Clock): RouteGuards => ({
  authenticate: makeAuthenticator(cfg.auth),
  rateLimit: dynamoRateLimiter(documentClientOf(dynamo), cfg.tableName, clock),
});

/** The core pieces from configuration and a DynamoDB client. */
export const makeCore = (cfg: Config, dynamo: DynamoDBClient, clock: Clock = systemClock): CoreDeps => ({
  ...makeStoreDeps(cfg, dynamo, clock),
  ...makeRouteGuards(cfg, dynamo, clock),
});

/** Store-only routes' dependencies: one DynamoDB client. */
export const makeCoreDeps = (cfg: Config): CoreDeps => makeCore(cfg, makeDynamo({ region: cfg.region, endpoint: cfg.endpoint, profile: 'http' }));

/** The container's core dependencies, built on first use. */
export const coreDeps = /* @__PURE__ */ once((): CoreDeps => makeCoreDeps(config()));
