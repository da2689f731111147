package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) FindConversationCases(ctx context.Context, qs []store.ConversationQuery) ([]store.ConversationMatch, error) {
	out := make([]store.ConversationMatch, len(qs))
	var (
		domains, convs []string
		contacts, idx  []int64
	)
	for i, q := range qs {
		if q.ConversationID == "" {
			continue // would match every message without one
		}
		domains, convs = append(domains, driverutil.Clean(q.Domain)), append(convs, driverutil.Clean(q.ConversationID))
		contacts, idx = append(contacts, q.ContactID), append(idx, int64(i))
	}
	if len(idx) == 0 {
		return out, nil
	}
	b := &pgx.Batch{}
	t.queueNewCases(b, nil)
	b.Queue(`
		SELECT k.n, m.case_id, m.event_time
		FROM unnest($1::text[], $2::text[], $3::bigint[]) WITH ORDINALITY AS k(domain, conv, contact_id, n)
		CROSS JOIN LATERAL (
			SELECT case_id, event_time FROM messages
			WHERE domain = k.domain AND conversation_id = k.conv AND case_id IS NOT NULL
				AND (k.contact_id = 0 OR contact_id = k.contact_id)
			ORDER BY id DESC
			LIMIT 1
		) AS m`, domains, convs, contacts).Query(func(rows pgx.Rows) error {
		var (
			n, caseID int64
			when      time.Time
		)
		_, err := pgx.ForEachRow(rows, []any{&n, &caseID, &when}, func() error {
			out[idx[n-1]] = store.ConversationMatch{CaseID: caseID, At: when.UTC()}
			return nil
		})
		return err
	})
	if err := t.tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("find cases of conversations: %w", err)
	}
	return out, nil
}
