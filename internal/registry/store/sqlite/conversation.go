package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) FindConversationCases(ctx context.Context, qs []store.ConversationQuery) ([]store.ConversationMatch, error) {
	out := make([]store.ConversationMatch, len(qs))
	err := t.each(ctx, `
		SELECT case_id, event_time FROM messages
		WHERE domain = ?1 AND conversation_id = ?2 AND case_id IS NOT NULL AND (?3 = 0 OR contact_id = ?3)
		ORDER BY id DESC
		LIMIT 1`, len(qs), func(s *sql.Stmt, i int) error {
		q := qs[i]
		if q.ConversationID == "" {
			return nil // would match every message without one
		}
		var m store.ConversationMatch
		err := s.QueryRowContext(ctx, driverutil.Clean(q.Domain), driverutil.Clean(q.ConversationID), q.ContactID).Scan(&m.CaseID, timeColumn{&m.At})
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		out[i] = m
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("find cases of conversations: %w", err)
	}
	return out, nil
}
