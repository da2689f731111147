// Package webhook receives Facebook's Webhooks for a Page: the Messenger
// "messages" field and the Page "feed" field. It answers the subscription
// handshake, checks X-Hub-Signature-256 before it parses anything, decodes
// the deliveries into [Change] values and hands them to a [Publisher]; it
// answers 200 only after the publisher returned, so Facebook redelivers
// whatever was not acknowledged.
//
// Polling stays the backfill: a webhook delivery is a hint that arrives
// early, and the caller derives the same deterministic event ids from the
// Facebook ids, so a message seen by both registers once.
//
// It imports no meldpunt package.
//
// References:
//   - https://developers.facebook.com/docs/graph-api/webhooks/getting-started
//   - https://developers.facebook.com/docs/messenger-platform/webhooks
//   - https://developers.facebook.com/docs/graph-api/webhooks/reference/page/#feed
package webhook
