package registry

import (
	"context"
	"fmt"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Reroute applies rules (and the deadlines that follow from them) again to
// the open cases opened since that no person has touched yet, in one
// transaction, and returns how many changed. A case someone assigned,
// noted or moved keeps what people decided.
func Reroute(ctx context.Context, st store.Store, rules *routing.Rules, deadlines *deadline.Policy, since time.Time, loc *time.Location) (int, error) {
	cases, err := st.ListUntouched(ctx, since)
	if err != nil {
		return 0, err
	}
	now := time.Now()
	var changes []store.RoutingChange
	for _, c := range cases {
		res := rules.Route(routing.Input{Inbox: c.Inbox, Channel: c.Channel, SenderEmail: c.SenderEmail,
			Subject: c.FirstSubject, Text: c.FirstText})
		if res.Department == c.Department && res.Type == c.Type && res.Priority == c.Priority {
			continue
		}
		ch := store.RoutingChange{CaseID: c.ID, Department: res.Department, Type: res.Type, Priority: res.Priority, At: now,
			Detail: fmt.Sprintf("opnieuw gerouteerd (regel %q): %s/%s/%s → %s/%s/%s", res.Rule,
				orDash(c.Department), orDash(c.Type), orDash(c.Priority), res.Department, res.Type, res.Priority)}
		if deadlines != nil && res.Type != "" {
			ack, answer := deadlines.Due(c.OpenedAt, res.Type, res.Department, loc)
			ch.AckDue, ch.AnswerDue = &ack, &answer
		}
		changes = append(changes, ch)
	}
	if len(changes) == 0 {
		return 0, nil
	}
	tx, err := st.Begin(ctx)
	if err != nil {
		return 0, fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback(ctx)
	if err := tx.SetRouting(ctx, changes); err != nil {
		return 0, err
	}
	if err := tx.Commit(ctx); err != nil {
		return 0, fmt.Errorf("commit: %w", err)
	}
	return len(changes), nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
