// Package e2e is the end-to-end harness: it runs the real binaries as
// separate processes — Dovecot with two mailboxes, the local Graph API and
// Open311 servers, a standalone nats-server, PostgreSQL, the three
// connectors and the registry — feeds them a known workload while it kills
// and cuts them, and checks that every input is registered exactly once. A
// second test measures how long a mail takes from Dovecot to the API.
//
// The tests sit behind the build tag e2e, because they take minutes and
// need Dovecot and PostgreSQL:
//
//	make e2e        # short: a few minutes, run by .ci/run
//	make e2e-long   # the full workload, see docs/benchmarks.md
//	make latency    # mail delivered -> case visible in the API
//
// It is a test harness: it imports the testutil helpers and, to know what
// every input must be registered as, the id rules of the connectors; no
// production package imports it.
package e2e
