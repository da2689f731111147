// Package jsonapi owns the "json" and "webhook" profiles of the e-loket
// connector: reading submissions out of any JSON API by a configured
// mapping of dot paths, polling such an API page by page with a cursor, and
// receiving submissions posted to a signed webhook.
//
// It fills a neutral Item; turning an Item into a case event, publishing and
// checkpointing belong to the caller. It must not import any meldpunt package.
package jsonapi
