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
	"unicode"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/similar"
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

// commit writes items in one transaction. Errors from writing events are
// wrapped in storeRefusal so the caller can tell them from an unavailable
// database. Every store call works on the whole chunk, so a batch costs a
// few round trips to the database, not a few per event.
func (r *Registry) commit(ctx context.Context, items []*item) error {
	tx, err := r.st.Begin(ctx)
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer tx.Rollback(ctx)

	var quarantined []store.QuarantineItem
	var events []*item
	seen := map[string]bool{}
	for _, it := range items {
		switch {
		case it.q != nil:
			quarantined = append(quarantined, *it.q)
			it.outcome = OutcomeQuarantined
		case it.ev != nil && seen[it.ev.ID]:
			it.outcome = OutcomeDuplicate // twice in one batch
		case it.ev != nil:
			seen[it.ev.ID] = true
			events = append(events, it)
		}
	}
	if len(events) > 0 {
		if err := r.storeEvents(ctx, tx, events); err != nil {
			return &storeRefusal{err}
		}
	}
	if len(quarantined) > 0 {
		if err := tx.Quarantine(ctx, quarantined); err != nil {
			return &storeRefusal{fmt.Errorf("quarantine %d events: %w", len(quarantined), err)}
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	for _, it := range items {
		if it.q != nil {
			r.log.Warn("event quarantined", "event_id", it.q.EventID, "reason", it.q.Reason)
		}
	}
	return nil
}

// storeEvents claims the events' ids, skips those stored before, finds or
// opens the case of each new message, and inserts messages and objects.
func (r *Registry) storeEvents(ctx context.Context, tx store.Tx, events []*item) error {
	ids := make([]string, len(events))
	for i, it := range events {
		ids[i] = it.ev.ID
	}
	stored, err := tx.ClaimEvents(ctx, ids)
	if err != nil {
		return fmt.Errorf("claim %d events: %w", len(ids), err)
	}
	var fresh []*item
	for _, it := range events {
		if stored[it.ev.ID] {
			it.outcome = OutcomeDuplicate
			continue
		}
		fresh = append(fresh, it)
	}
	if len(fresh) == 0 {
		return nil
	}
	contacts, err := r.contacts(ctx, tx, fresh)
	if err != nil {
		return err
	}
	msgs, repeats, opened, err := r.assignCases(ctx, tx, fresh, contacts)
	if err != nil {
		return err
	}
	if err := tx.InsertMessages(ctx, msgs); err != nil {
		return fmt.Errorf("insert %d messages: %w", len(msgs), err)
	}
	if len(repeats) > 0 {
		if err := tx.MarkRepeats(ctx, repeats); err != nil {
			return fmt.Errorf("mark %d repeats: %w", len(repeats), err)
		}
	}
	if err := r.reopen(ctx, tx, fresh, msgs, opened); err != nil {
		return err
	}
	var blobs []store.Blob
	have := map[string]bool{}
	for _, it := range fresh {
		it.outcome = OutcomeStored
		for sum, b := range it.blobs {
			if !have[sum] {
				have[sum] = true
				blobs = append(blobs, b)
			}
		}
	}
	if len(blobs) > 0 {
		if err := tx.PutBlobs(ctx, blobs); err != nil {
			return fmt.Errorf("store %d objects: %w", len(blobs), err)
		}
	}
	return nil
}

// contacts records the citizens who wrote the new incoming messages and
// returns their contact ids (0 for outgoing messages and unknown senders).
func (r *Registry) contacts(ctx context.Context, tx store.Tx, fresh []*item) ([]int64, error) {
	ids := make([]int64, len(fresh))
	var cs []store.DomainContact
	var at []int
	for i, it := range fresh {
		d := &it.ev.Data
		if d.Direction != caseevent.DirectionIncoming {
			continue
		}
		p := d.Sender
		c := store.Contact{Name: p.Name, Email: p.Email, Phone: p.Phone, FacebookID: p.FacebookID, Address: p.Address}
		if c == (store.Contact{}) {
			continue
		}
		cs = append(cs, store.DomainContact{Domain: string(d.Domain), Contact: c})
		at = append(at, i)
	}
	if len(cs) == 0 {
		return ids, nil
	}
	got, err := tx.UpsertContacts(ctx, cs)
	if err != nil {
		return nil, fmt.Errorf("record %d contacts: %w", len(cs), err)
	}
	for k, i := range at {
		ids[i] = got[k]
	}
	return ids, nil
}

// assignCases picks the case of every new message, in order of certainty:
// a case reference the citizen quoted, then the messages it replies to
// (earlier in this batch or stored before). Otherwise it opens a new case.
// It never crosses domains.
func (r *Registry) assignCases(ctx context.Context, tx store.Tx, fresh []*item, contacts []int64) ([]*store.Message, []store.Repeat, map[int64]bool, error) {
	refs := make([]string, len(fresh))
	threads := make([][]string, len(fresh))
	var refKeys, extKeys []store.DomainKey
	var convQueries []store.ConversationQuery
	var convOf []int
	for i, it := range fresh {
		d := &it.ev.Data
		refs[i] = r.caseRef(d)
		if refs[i] != "" {
			refKeys = append(refKeys, store.DomainKey{Domain: string(d.Domain), Value: refs[i]})
		}
		threads[i] = threadIDs(d)
		for _, id := range threads[i] {
			extKeys = append(extKeys, store.DomainKey{Domain: string(d.Domain), Value: id})
		}
		if c := conversationOf(d, contacts[i]); c != "" {
			convQueries = append(convQueries, store.ConversationQuery{Domain: string(d.Domain), ConversationID: c,
				ContactID: conversationContact(d, contacts[i])})
			convOf = append(convOf, i)
		}
	}
	byRef, byExt := map[store.DomainKey]int64{}, map[store.DomainKey]int64{}
	byConv := make([]store.ConversationMatch, len(fresh))
	var err error
	if len(refKeys) > 0 {
		if byRef, err = tx.FindCasesByRef(ctx, refKeys); err != nil {
			return nil, nil, nil, fmt.Errorf("find cases by reference: %w", err)
		}
	}
	if len(extKeys) > 0 {
		if byExt, err = tx.FindCasesByExternalID(ctx, extKeys); err != nil {
			return nil, nil, nil, fmt.Errorf("find cases of earlier messages: %w", err)
		}
	}
	if len(convQueries) > 0 {
		got, err := tx.FindConversationCases(ctx, convQueries)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("find cases of conversations: %w", err)
		}
		for k, i := range convOf {
			byConv[i] = got[k]
		}
	}

	// The citizen's open cases, for a message that names no case: if it
	// asks the same again, it joins that case as a repeat.
	var queries []store.RepeatQuery
	var queryOf []int
	for i, it := range fresh {
		d := &it.ev.Data
		if d.Direction != caseevent.DirectionIncoming || d.AutoSubmitted != "" || (contacts[i] == 0 && d.Sender.Name == "") {
			continue
		}
		queries = append(queries, store.RepeatQuery{Domain: string(d.Domain), ContactID: contacts[i],
			Name: strings.TrimSpace(d.Sender.Name), Since: eventTime(it.ev).Add(-r.cfg.RepeatWindow)})
		queryOf = append(queryOf, i)
	}
	candidates := make([][]store.RepeatCandidate, len(fresh))
	if len(queries) > 0 {
		got, err := tx.FindRepeatCandidates(ctx, queries)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("find open cases of the senders: %w", err)
		}
		for k, i := range queryOf {
			candidates[i] = got[k]
		}
	}
	var repeats []store.Repeat

	// A case is either stored (id), opened in this batch (index into
	// opened, known only after CreateCases), or none (opened -1, id 0).
	type slot struct {
		id     int64
		opened int
	}
	var opened []store.NewCase
	slots := make([]slot, len(fresh))
	inBatch := map[store.DomainKey]slot{} // external ids of this batch's messages
	convInBatch := map[convKey]slot{}     // conversations of this batch's messages
	openedBy := map[int64][]int{}         // contact → indices into opened, of this batch
	type batchRepeat struct {
		opened int
		r      store.Repeat
	}
	var batchRepeats []batchRepeat
	openedWords := map[int]similar.Words{}      // index into opened → its first message's words
	candidateWords := map[int64]similar.Words{} // stored case → its words, read once per batch
	msgs := make([]*store.Message, len(fresh))
	now := r.now()
	for i, it := range fresh {
		ev := it.ev
		d := &ev.Data
		m := MessageFromEvent(ev, it.d.Data, now)
		m.ContactID = contacts[i]
		msgs[i] = m
		domain := string(d.Domain)
		s, found := slot{opened: -1}, false
		// In order of certainty: a quoted case reference, the messages it
		// replies to, then its conversation (Facebook conversation or
		// post, e-loket submission).
		if refs[i] != "" {
			s.id, found = byRef[store.DomainKey{Domain: domain, Value: refs[i]}]
		}
		for _, id := range threads[i] {
			if found {
				break
			}
			key := store.DomainKey{Domain: domain, Value: id}
			if s2, ok := inBatch[key]; ok {
				s, found = s2, true
			} else if s.id, found = byExt[key]; found {
				s.opened = -1
			}
		}
		conv := convKey{domain: domain, id: conversationOf(d, contacts[i]), contact: conversationContact(d, contacts[i])}
		if !found && conv.id != "" {
			if s2, ok := convInBatch[conv]; ok {
				s, found = s2, true
			} else if m := byConv[i]; m.CaseID != 0 && r.recentInConversation(d, m, eventTime(ev)) {
				s, found = slot{id: m.CaseID, opened: -1}, true
			}
		}
		var words similar.Words // only needed while no case is found
		if !found {
			words = similar.Of(d.Subject, d.Text)
		}
		if !found && len(candidates[i]) > 0 {
			for _, c := range candidates[i] {
				cw, ok := candidateWords[c.CaseID]
				if !ok {
					cw = similar.Of(c.Subject, c.Text)
					candidateWords[c.CaseID] = cw
				}
				if similar.Same(words, cw) {
					s, found = slot{id: c.CaseID, opened: -1}, true
					repeats = append(repeats, store.Repeat{CaseID: c.CaseID, At: now,
						Detail:       "burger vraagt opnieuw (" + string(d.Channel) + ")",
						Dissatisfied: Dissatisfied(d.Subject + "\n" + d.Text), SuggestAfter: r.cfg.SuggestComplaintAfter})
					break
				}
			}
		}
		// The same citizen asking the same again within this batch: the
		// case opened a moment ago is not stored yet, so the candidates
		// above cannot hold it.
		if !found && contacts[i] != 0 && d.Direction == caseevent.DirectionIncoming && d.AutoSubmitted == "" {
			for _, k := range openedBy[contacts[i]] {
				if opened[k].Domain == domain && !opened[k].OpenedAt.Before(eventTime(ev).Add(-r.cfg.RepeatWindow)) &&
					similar.Same(words, openedWords[k]) {
					s, found = slot{opened: k}, true
					batchRepeats = append(batchRepeats, batchRepeat{opened: k, r: store.Repeat{At: now,
						Detail:       "burger vraagt opnieuw (" + string(d.Channel) + ")",
						Dissatisfied: Dissatisfied(d.Subject + "\n" + d.Text), SuggestAfter: r.cfg.SuggestComplaintAfter}})
					break
				}
			}
		}
		switch {
		case found:
		case d.AutoSubmitted != "":
			// Automatic mail (out of office, bounces) never opens a case:
			// it waits without one ("geen dossier").
			s = slot{opened: -1}
		default:
			openedAt := eventTime(ev)
			s = slot{opened: len(opened)}
			if contacts[i] != 0 {
				openedBy[contacts[i]] = append(openedBy[contacts[i]], len(opened))
				openedWords[len(opened)] = words
			}
			opened = append(opened, r.newCase(d, m, openedAt))
		}
		slots[i] = s
		if s.id != 0 || s.opened >= 0 {
			if d.ExternalID != "" {
				inBatch[store.DomainKey{Domain: domain, Value: d.ExternalID}] = s
			}
			if conv.id != "" {
				convInBatch[conv] = s
				anyone := conv
				anyone.contact = 0
				convInBatch[anyone] = s
			}
		}
	}
	if err := r.relate(ctx, tx, opened); err != nil {
		return nil, nil, nil, err
	}
	var created []store.CaseRef
	if len(opened) > 0 {
		if created, err = tx.CreateCases(ctx, opened); err != nil {
			return nil, nil, nil, fmt.Errorf("open %d cases: %w", len(opened), err)
		}
		if len(created) != len(opened) {
			return nil, nil, nil, fmt.Errorf("open cases: store returned %d references for %d cases", len(created), len(opened))
		}
	}
	openedIDs := make(map[int64]bool, len(created))
	for _, c := range created {
		openedIDs[c.ID] = true
	}
	for _, br := range batchRepeats {
		br.r.CaseID = created[br.opened].ID
		repeats = append(repeats, br.r)
	}
	for i, s := range slots {
		if s.opened >= 0 {
			msgs[i].CaseID = created[s.opened].ID
			r.log.Debug("case opened", "case_ref", created[s.opened].Ref, "event_id", fresh[i].ev.ID)
		} else {
			msgs[i].CaseID = s.id
		}
	}
	return msgs, repeats, openedIDs, nil
}

// relate links new cases to an open case of another person about the same
// thing: the same place and category within RelatedWindow. Related cases
// stay separate cases (each citizen gets an answer), never across domains.
func (r *Registry) relate(ctx context.Context, tx store.Tx, opened []store.NewCase) error {
	var qs []store.RelatedQuery
	var at []int
	for i, c := range opened {
		if c.Place != "" && c.Category != "" {
			qs = append(qs, store.RelatedQuery{Domain: c.Domain, Place: c.Place, Category: c.Category,
				ContactID: c.ContactID, Since: c.OpenedAt.Add(-r.cfg.RelatedWindow)})
			at = append(at, i)
		}
	}
	if len(qs) == 0 {
		return nil
	}
	got, err := tx.FindRelatedCases(ctx, qs)
	if err != nil {
		return fmt.Errorf("find related cases: %w", err)
	}
	for k, i := range at {
		opened[i].RelatedCaseID = got[k]
	}
	return nil
}

// placeKey is an address as cases compare it: lower case, accents and
// punctuation left out, single spaces.
func placeKey(address string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return ' '
	}, similar.Fold(address))), " ")
}

// reopen puts an answered or closed case back in progress when the
// citizen writes again (not for automatic mail or the town's own answers),
// with the change on the timeline.
func (r *Registry) reopen(ctx context.Context, tx store.Tx, fresh []*item, msgs []*store.Message, opened map[int64]bool) error {
	var ids []int64
	seen := map[int64]bool{}
	for i, m := range msgs {
		d := &fresh[i].ev.Data
		if m.CaseID == 0 || opened[m.CaseID] || seen[m.CaseID] || d.Direction != caseevent.DirectionIncoming || d.AutoSubmitted != "" {
			continue
		}
		seen[m.CaseID] = true
		ids = append(ids, m.CaseID)
	}
	if len(ids) == 0 {
		return nil
	}
	statuses, err := tx.CaseStatuses(ctx, ids)
	if err != nil {
		return fmt.Errorf("read case statuses: %w", err)
	}
	var changes []store.StatusChange
	now := r.now()
	for _, id := range ids {
		if st := statuses[id]; st == store.StatusAnswered || st == store.StatusClosed {
			changes = append(changes, store.StatusChange{CaseID: id, Status: store.StatusInProgress, At: now,
				Detail: "heropend: de burger schreef opnieuw"})
		}
	}
	if err := tx.SetStatuses(ctx, changes); err != nil {
		return fmt.Errorf("reopen %d cases: %w", len(changes), err)
	}
	return nil
}

// eventTime is when a message arrived: its received time, else the
// event's time.
func eventTime(ev *caseevent.Event) time.Time {
	if ev.Data.ReceivedAt != nil {
		return *ev.Data.ReceivedAt
	}
	return ev.Time
}

// newCase opens a case for message m: routed to a department with a type
// and a priority, and given its deadlines, when the registry has rules.
func (r *Registry) newCase(d *caseevent.Message, m *store.Message, openedAt time.Time) store.NewCase {
	nc := store.NewCase{
		Prefix:    r.cfg.CasePrefix,
		Year:      openedAt.In(r.cfg.Location).Year(),
		Domain:    string(d.Domain),
		Subject:   m.Subject,
		Channel:   m.Channel,
		ContactID: m.ContactID,
		OpenedAt:  openedAt.UTC(),
	}
	if r.cfg.Routing != nil {
		in := routing.Input{Inbox: d.Inbox, Channel: string(d.Channel), SenderEmail: d.Sender.Email, Subject: d.Subject, Text: d.Text}
		if d.Form != nil {
			in.ServiceCode = d.Form.ServiceCode
		}
		res := r.cfg.Routing.Route(in)
		nc.Department, nc.Type, nc.Priority = res.Department, res.Type, res.Priority
	}
	if d.Location != nil {
		nc.Place = placeKey(d.Location.Address)
	}
	if d.Form != nil && d.Form.ServiceCode != "" {
		nc.Category = d.Form.ServiceCode
	} else {
		nc.Category = nc.Department
	}
	if r.cfg.Deadlines != nil && nc.Type != "" {
		ack, answer := r.cfg.Deadlines.Due(openedAt, nc.Type, nc.Department, r.cfg.Location)
		nc.AckDue, nc.AnswerDue = &ack, &answer
	}
	return nc
}

// caseRef is the case reference a message names: the connector's hint, or
// else the first match of the reference pattern in the subject, then the
// text, written the way references are stored (no spaces, upper case).
func (r *Registry) caseRef(d *caseevent.Message) string {
	if ref := strings.TrimSpace(d.Thread.CaseRef); ref != "" {
		return ref
	}
	if r.cfg.CaseRef == nil {
		return ""
	}
	for _, s := range []string{d.Subject, d.Text} {
		if m := r.cfg.CaseRef.FindString(s); m != "" {
			return caseevent.NormalizeCaseRef(m)
		}
	}
	return ""
}

// threadIDs lists the external ids a message refers to, without its own,
// most telling first: In-Reply-To, then References from newest to oldest.
func threadIDs(d *caseevent.Message) []string {
	var ids []string
	add := func(s string) {
		s = strings.TrimSpace(s)
		if s != "" && s != d.ExternalID && !slices.Contains(ids, s) {
			ids = append(ids, s)
		}
	}
	add(d.Thread.InReplyTo)
	for i := len(d.Thread.References) - 1; i >= 0; i-- {
		add(d.Thread.References[i])
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

// convKey is a conversation within a domain, of one contact (0: anyone).
type convKey struct {
	domain, id string
	contact    int64
}

// conversationOf is the conversation a message may join: none for a
// citizen's Facebook message whose sender is unknown (it would otherwise
// join whoever wrote last under the post).
func conversationOf(d *caseevent.Message, contact int64) string {
	if d.Channel == caseevent.ChannelFacebook && d.Direction == caseevent.DirectionIncoming && contact == 0 {
		return ""
	}
	return strings.TrimSpace(d.Thread.ConversationID)
}

// conversationContact is the contact whose earlier messages in a
// conversation a message joins: on Facebook a citizen's comment joins their
// own earlier comments under a post, not another person's (0 for the
// town's answers, and for other channels, whose conversations are one
// citizen's: an e-loket submission).
func conversationContact(d *caseevent.Message, contact int64) int64 {
	if d.Channel == caseevent.ChannelFacebook && d.Direction == caseevent.DirectionIncoming {
		return contact
	}
	return 0
}

// recentInConversation reports whether a message at `at` continues the
// conversation whose last message m found: on Facebook only within
// ConversationWindow (a Messenger thread that wakes up weeks later is a new
// question, which the repeat check may still join); elsewhere always.
func (r *Registry) recentInConversation(d *caseevent.Message, m store.ConversationMatch, at time.Time) bool {
	if d.Channel != caseevent.ChannelFacebook || d.Direction != caseevent.DirectionIncoming {
		return true
	}
	return !m.At.Before(at.Add(-r.cfg.ConversationWindow))
}
