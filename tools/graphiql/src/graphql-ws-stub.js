// @graphiql/toolkit imports 'graphql-ws' lazily, only when a subscriptionUrl is
// given. This page never opens a websocket, so the dependency is replaced by
// this stub instead of being bundled.
export function createClient() {
  throw new Error('Subscriptions over websockets are not enabled on this page.');
}
