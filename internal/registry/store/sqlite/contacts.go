package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/internal/driverutil"
)

func (t *tx) UpsertContacts(ctx context.Context, cs []store.DomainContact) ([]int64, error) {
	ids := make([]int64, len(cs))
	for i, c := range cs {
		var err error
		if ids[i], err = t.UpsertContact(ctx, c.Domain, c.Contact); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func (t *tx) UpsertContact(ctx context.Context, domain string, p store.Contact) (int64, error) {
	domain, p = driverutil.Clean(domain), driverutil.CleanContact(p)
	if p == (store.Contact{}) {
		return 0, nil
	}
	email, phone := store.NormalizeEmail(p.Email), store.NormalizePhone(p.Phone)
	now := formatTime(at(time.Time{}))
	// No other writer runs while this transaction holds the write lock, so
	// the lookup and the insert cannot race another registry.
	for _, k := range []struct{ column, value string }{
		{"email_norm", email}, {"phone_norm", phone}, {"facebook_id", p.FacebookID},
	} {
		if k.value == "" {
			continue
		}
		var contactID int64
		err := t.tx.QueryRowContext(ctx, `SELECT id FROM contacts WHERE domain = ? AND `+k.column+` = ? ORDER BY id LIMIT 1`,
			domain, k.value).Scan(&contactID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("upsert contact: find by %s: %w", k.column, err)
		}
		// Fill in what the contact lacks; never overwrite what it has.
		_, err = t.tx.ExecContext(ctx, `
			UPDATE contacts SET
				name_key = CASE WHEN name = '' THEN ?10 ELSE name_key END,
				name = CASE WHEN name = '' THEN ?2 ELSE name END,
				email_norm = CASE WHEN email = '' THEN ?4 ELSE email_norm END,
				email = CASE WHEN email = '' THEN ?3 ELSE email END,
				phone_norm = CASE WHEN phone = '' THEN ?6 ELSE phone_norm END,
				phone = CASE WHEN phone = '' THEN ?5 ELSE phone END,
				facebook_id = CASE WHEN facebook_id = '' THEN ?7 ELSE facebook_id END,
				address = CASE WHEN address = '' THEN ?8 ELSE address END,
				updated_at = ?9
			WHERE id = ?1 AND (
				(name = '' AND ?2 <> '') OR (email = '' AND ?3 <> '') OR (phone = '' AND ?5 <> '') OR
				(facebook_id = '' AND ?7 <> '') OR (address = '' AND ?8 <> ''))`,
			contactID, p.Name, p.Email, email, p.Phone, phone, p.FacebookID, p.Address, now, store.NameKey(p.Name))
		if err != nil {
			return 0, fmt.Errorf("upsert contact %d: %w", contactID, err)
		}
		return contactID, nil
	}

	var contactID int64
	err := t.tx.QueryRowContext(ctx, `
		INSERT INTO contacts (domain, name, email, email_norm, phone, phone_norm, facebook_id, address, name_key, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?10, ?9, ?9)
		RETURNING id`,
		domain, p.Name, p.Email, email, p.Phone, phone, p.FacebookID, p.Address, now, store.NameKey(p.Name)).Scan(&contactID)
	if err != nil {
		return 0, fmt.Errorf("insert contact: %w", err)
	}
	return contactID, nil
}
