//go:build e2e

package e2e

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/testutil/pgtest"
)

// The harness reads the registry's tables itself, on its own connection
// (not through the proxy the registry uses): the check must not depend on
// the code it checks. These are the only SQL statements outside the store
// packages, and they only read, or end the registry's connections.

// tally is the outcome of the exactly-once check.
type tally struct {
	inputs, registered, missing, duplicated int
	// unexpected counts rows of no input at all (none should exist).
	unexpected  int
	quarantined int
	examples    []string // a few missing or duplicated identities
}

func (t tally) ok() bool {
	return t.missing == 0 && t.duplicated == 0 && t.unexpected == 0 && t.quarantined == 0
}

// count compares the registered messages with want: an identity wanted n
// times must have exactly n rows.
func count(ctx context.Context, db *pgxpool.Pool, want map[identity]int) (tally, error) {
	rows, err := db.Query(ctx, `SELECT channel, inbox, external_id, count(*) FROM messages GROUP BY 1, 2, 3`)
	if err != nil {
		return tally{}, fmt.Errorf("count messages: %w", err)
	}
	got := map[identity]int{}
	for rows.Next() {
		var channel, inbox, externalID string
		var n int
		if err := rows.Scan(&channel, &inbox, &externalID, &n); err != nil {
			rows.Close()
			return tally{}, fmt.Errorf("count messages: %w", err)
		}
		got[identity{caseevent.Channel(channel), inbox, externalID}] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return tally{}, fmt.Errorf("count messages: %w", err)
	}
	var t tally
	if err := db.QueryRow(ctx, `SELECT count(*) FROM quarantine`).Scan(&t.quarantined); err != nil {
		return tally{}, fmt.Errorf("count quarantine: %w", err)
	}
	var missing, doubled []string
	for id, w := range want {
		g := got[id]
		t.inputs += w
		t.registered += min(g, w)
		if g < w {
			t.missing += w - g
			missing = append(missing, id.String())
		}
		if g > w {
			t.duplicated += g - w
			doubled = append(doubled, fmt.Sprintf("%s (%d times)", id, g))
		}
	}
	for id, g := range got {
		if want[id] == 0 {
			t.unexpected += g
			doubled = append(doubled, fmt.Sprintf("%s (not an input, %d times)", id, g))
		}
	}
	slices.Sort(missing)
	slices.Sort(doubled)
	t.examples = append(t.examples, prefix("missing: ", missing[:min(10, len(missing))])...)
	t.examples = append(t.examples, prefix("duplicated: ", doubled[:min(10, len(doubled))])...)
	return t, nil
}

func prefix(p string, ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = p + s
	}
	return out
}

// registeredCount is the number of messages stored, for progress lines.
func registeredCount(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var n int
	if err := db.QueryRow(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count messages: %w", err)
	}
	return n, nil
}

// terminateRegistry ends every PostgreSQL backend of the registry, as a
// server restart (fast shutdown) does: its clients get "terminating
// connection due to administrator command".
func terminateRegistry(ctx context.Context, db *pgxpool.Pool) (int, error) {
	var n int
	err := db.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, registryApp).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("terminate the registry's backends: %w", err)
	}
	return n, nil
}

// storedMessage is where and when a message was stored.
type storedMessage struct {
	at               time.Time
	ref, caseSubject string
}

// stored looks up the messages with the given subjects: when each was
// stored and in which case.
func stored(ctx context.Context, db *pgxpool.Pool, subjects []string) (map[string]storedMessage, error) {
	rows, err := db.Query(ctx, `
		SELECT m.subject, m.stored_at, coalesce(c.ref, ''), coalesce(c.subject, '')
		FROM messages m LEFT JOIN cases c ON c.id = m.case_id
		WHERE m.subject = ANY($1)`, subjects)
	if err != nil {
		return nil, fmt.Errorf("look up messages: %w", err)
	}
	defer rows.Close()
	out := map[string]storedMessage{}
	for rows.Next() {
		var subject string
		var m storedMessage
		if err := rows.Scan(&subject, &m.at, &m.ref, &m.caseSubject); err != nil {
			return nil, fmt.Errorf("look up messages: %w", err)
		}
		out[subject] = m
	}
	return out, rows.Err()
}

// TestCount checks the checker: on tables shaped like the registry's, a
// missing input, one registered twice, two different mails sharing a
// Message-ID, a row of no input and a quarantined event are all told apart.
func TestCount(t *testing.T) {
	ctx := context.Background()
	db, err := pgxpool.New(ctx, pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(ctx, `
		CREATE TABLE messages (event_id text PRIMARY KEY, channel text, inbox text, external_id text);
		CREATE TABLE quarantine (id int);
		INSERT INTO messages VALUES
			('1', 'email', 'gemeentebestuur', '<a@x>'),
			('2', 'email', 'gemeentebestuur', '<reused@x>'),
			('3', 'email', 'gemeentebestuur', '<reused@x>'),
			('4', 'facebook', 'facebook', 'm_1'),
			('5', 'facebook', 'facebook', 'm_1'),
			('6', 'eloket', 'eloket', '99');
		INSERT INTO quarantine VALUES (1);`); err != nil {
		t.Fatal(err)
	}
	want := map[identity]int{
		{caseevent.ChannelEmail, "gemeentebestuur", "<a@x>"}:      1,
		{caseevent.ChannelEmail, "gemeentebestuur", "<reused@x>"}: 2,
		{caseevent.ChannelEmail, "sociaalhuis", "<a@x>"}:          1,
		{caseevent.ChannelFacebook, fbInbox, "m_1"}:               1,
	}
	got, err := count(ctx, db, want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual([]int{got.inputs, got.registered, got.missing, got.duplicated, got.unexpected, got.quarantined}, []int{5, 4, 1, 1, 1, 1}) {
		t.Errorf("count = %+v, want 5 inputs, 4 registered, 1 missing, 1 duplicated, 1 unexpected, 1 quarantined", got)
	}
	if got.ok() {
		t.Error("ok() with a missing and a duplicated input")
	}
}
