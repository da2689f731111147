package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// fetchObjects copies the raw originals and attachments of a prefix of items
// out of the object store, skipping those the store already holds. It stops
// after MaxBatchBytes (but always takes at least one item) and returns how
// many items are ready. An event whose object is missing is quarantined.
func (r *Registry) fetchObjects(ctx context.Context, items []*item) (int, error) {
	var sums []string
	for _, it := range items {
		if it.ev != nil {
			for _, ref := range objectRefs(it.ev) {
				sums = append(sums, ref.sha)
			}
		}
	}
	have := map[string]bool{}
	if len(sums) > 0 {
		var err error
		if have, err = r.st.HasBlobs(ctx, sums); err != nil {
			return 0, fmt.Errorf("look up stored objects: %w", err)
		}
	}
	var bytes int64
	for i, it := range items {
		if bytes >= r.cfg.MaxBatchBytes && i > 0 {
			return i, nil
		}
		if it.ev == nil {
			continue
		}
		if it.blobs == nil {
			it.blobs = map[string]store.Blob{}
		}
		for _, ref := range objectRefs(it.ev) {
			if have[ref.sha] {
				continue
			}
			if _, ok := it.blobs[ref.sha]; ok {
				continue
			}
			data, err := r.objs.GetObject(ctx, ref.object)
			if errors.Is(err, bus.ErrObjectNotFound) {
				it.q = r.quarantineItem(it.d, fmt.Sprintf("%s: object %q is not in the object store", ref.path, ref.object))
				it.ev, it.blobs = nil, nil
				break
			}
			if err != nil {
				return 0, fmt.Errorf("fetch object %s: %w", ref.object, err)
			}
			if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != ref.sha {
				it.q = r.quarantineItem(it.d, fmt.Sprintf("%s: object %q does not have the SHA-256 the event names", ref.path, ref.object))
				it.ev, it.blobs = nil, nil
				break
			}
			it.blobs[ref.sha] = store.Blob{SHA256: ref.sha, ContentType: ref.contentType, Data: data}
			bytes += int64(len(data))
			r.m.BlobsFetched.Inc()
			r.m.BlobBytes.Add(float64(len(data)))
		}
	}
	return len(items), nil
}

type objectRef struct {
	path, object, sha, contentType string
}

func objectRefs(ev *caseevent.Event) []objectRef {
	var refs []objectRef
	if raw := ev.Data.Raw; raw != nil {
		refs = append(refs, objectRef{"data.raw", raw.Object, raw.SHA256, raw.ContentType})
	}
	for i, a := range ev.Data.Attachments {
		refs = append(refs, objectRef{fmt.Sprintf("data.attachments[%d]", i), a.Object, a.SHA256, a.ContentType})
	}
	return refs
}

// commit writes items in one transaction. Errors from writing an event are
// wrapped in storeRefusal so the caller can tell them from an unavailable
// database.
func (r *Registry) commit(ctx context.Context, items []*item) error {
	tx, err := r.st.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback(ctx)
	for _, it := range items {
		switch {
		case it.q != nil:
			if err := tx.Quarantine(ctx, *it.q); err != nil {
				return &storeRefusal{fmt.Errorf("quarantine stream seq %d: %w", it.d.StreamSeq, err)}
			}
			it.outcome = OutcomeQuarantined
			r.log.Warn("event quarantined", "event_id", it.d.MsgID, "reason", it.q.Reason)
		case it.ev != nil:
			inserted, err := r.storeEvent(ctx, tx, it)
			if err != nil {
				return &storeRefusal{fmt.Errorf("store event %s: %w", it.ev.ID, err)}
			}
			it.outcome = OutcomeStored
			if !inserted {
				it.outcome = OutcomeDuplicate
			}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// storeEvent inserts one message with its objects and attaches it to a case.
// It reports false when the event was stored before (a redelivery).
func (r *Registry) storeEvent(ctx context.Context, tx store.Tx, it *item) (bool, error) {
	ev := it.ev
	m := MessageFromEvent(ev, it.d.Data, r.now())
	d := &ev.Data
	if d.Direction == caseevent.DirectionIncoming {
		id, err := tx.UpsertContact(ctx, string(d.Domain), store.Contact{
			Name: d.Sender.Name, Email: d.Sender.Email, Phone: d.Sender.Phone,
			FacebookID: d.Sender.FacebookID, Address: d.Sender.Address,
		})
		if err != nil {
			return false, fmt.Errorf("record contact: %w", err)
		}
		m.ContactID = id
	}
	id, inserted, err := tx.InsertMessage(ctx, m)
	if err != nil || !inserted {
		return false, err
	}
	for _, b := range it.blobs {
		if err := tx.PutBlob(ctx, b); err != nil {
			return false, fmt.Errorf("store object %s: %w", b.SHA256, err)
		}
	}
	caseID, err := r.findOrOpenCase(ctx, tx, ev, m)
	if err != nil {
		return false, err
	}
	if err := tx.AttachMessage(ctx, caseID, id, m.StoredAt); err != nil {
		return false, fmt.Errorf("attach to case: %w", err)
	}
	return true, nil
}

// findOrOpenCase picks the case a message belongs to, in order of
// certainty: a case reference the citizen quoted, then the messages it
// replies to. Otherwise it opens a new case. It never crosses domains.
func (r *Registry) findOrOpenCase(ctx context.Context, tx store.Tx, ev *caseevent.Event, m *store.Message) (int64, error) {
	d := &ev.Data
	domain := string(d.Domain)
	if ref := strings.TrimSpace(d.Thread.CaseRef); ref != "" {
		id, err := tx.FindCaseByRef(ctx, domain, ref)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("find case %s: %w", ref, err)
		}
	}
	if ids := threadIDs(d); len(ids) > 0 {
		id, err := tx.FindCaseByExternalIDs(ctx, domain, ids)
		if err == nil {
			return id, nil
		}
		if !errors.Is(err, store.ErrNotFound) {
			return 0, fmt.Errorf("find case of earlier messages: %w", err)
		}
	}
	opened := ev.Time
	if d.ReceivedAt != nil {
		opened = *d.ReceivedAt
	}
	id, ref, err := tx.CreateCase(ctx, store.NewCase{
		Prefix:    r.cfg.CasePrefix,
		Year:      opened.In(r.cfg.Location).Year(),
		Domain:    domain,
		Subject:   m.Subject,
		Channel:   m.Channel,
		ContactID: m.ContactID,
		OpenedAt:  opened.UTC(),
	})
	if err != nil {
		return 0, fmt.Errorf("open case: %w", err)
	}
	r.log.Debug("case opened", "case_ref", ref, "event_id", ev.ID)
	return id, nil
}

// threadIDs lists the external ids a message refers to, without its own.
func threadIDs(d *caseevent.Message) []string {
	var ids []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && s != d.ExternalID && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	add(d.Thread.InReplyTo)
	for _, ref := range d.Thread.References {
		add(ref)
	}
	return ids
}

// MessageFromEvent maps a valid event, received as raw, to the row the store
// keeps for it.
func MessageFromEvent(ev *caseevent.Event, raw []byte, now time.Time) *store.Message {
	d := &ev.Data
	m := &store.Message{
		EventID:          ev.ID,
		Channel:          string(d.Channel),
		Direction:        string(d.Direction),
		Inbox:            d.Inbox,
		Domain:           string(d.Domain),
		ExternalID:       d.ExternalID,
		InReplyTo:        d.Thread.InReplyTo,
		References:       d.Thread.References,
		ConversationID:   d.Thread.ConversationID,
		CaseRefHint:      d.Thread.CaseRef,
		SenderName:       d.Sender.Name,
		SenderEmail:      d.Sender.Email,
		SenderPhone:      d.Sender.Phone,
		SenderFacebookID: d.Sender.FacebookID,
		SenderAddress:    d.Sender.Address,
		Subject:          d.Subject,
		Text:             d.Text,
		HTML:             d.HTML,
		SentAt:           utc(d.SentAt),
		ReceivedAt:       utc(d.ReceivedAt),
		EventTime:        ev.Time.UTC(),
		AutoSubmitted:    d.AutoSubmitted,
		ParseError:       d.ParseError,
		Event:            raw,
		StoredAt:         now.UTC(),
	}
	if d.Raw != nil {
		m.RawSHA256, m.RawContentType, m.RawSize = d.Raw.SHA256, d.Raw.ContentType, d.Raw.Size
	}
	for _, a := range d.Attachments {
		m.Attachments = append(m.Attachments, store.Attachment{
			Name: a.Name, ContentType: a.ContentType, Size: a.Size, SHA256: a.SHA256,
		})
	}
	return m
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// quarantineKey identifies a delivery so that quarantining it twice (after a
// crash between commit and acknowledgement) records it once.
func quarantineKey(d *bus.Delivery) string {
	h := sha256.New()
	h.Write([]byte(d.Subject))
	h.Write([]byte{0})
	h.Write([]byte(d.MsgID))
	h.Write([]byte{0})
	h.Write(d.Data)
	return hex.EncodeToString(h.Sum(nil))
}
