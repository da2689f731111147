package main

import (
	"context"
	"sync"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// txRecord is what one of the registry's transactions did and how long
// each part took.
type txRecord struct {
	events []string // the event ids claimed
	// total: from Begin to the end of Commit.
	total time.Duration
	// grouping: from the moment the senders' contacts are known to the
	// first write (the lookups, comparing texts with candidate cases, and
	// routing the cases it opens), plus reading the statuses of the cases
	// messages joined (to reopen them).
	grouping time.Duration
	// lookups: the grouping's store calls alone.
	lookups time.Duration
	// contacts: finding or creating the senders' contacts.
	contacts time.Duration
	// calls: the time of each timed store call, by method.
	calls   map[string]time.Duration
	outcome map[string]outcome // by event id
	repeats map[int64]bool     // cases marked as asked again
}

// outcome is where a message went.
type outcome struct {
	caseID  int64
	opened  bool  // a case opened in this transaction
	related int64 // the case the opened one is related to
}

// recorder collects the records of committed transactions.
type recorder struct {
	mu       sync.Mutex
	txs      []txRecord
	messages int
	want     int
	done     chan struct{}
	// rollback turns Commit into Rollback: the registry goes through its
	// motions and the store stays as it was.
	rollback bool
}

func newRecorder(want int, rollback bool) *recorder {
	return &recorder{want: want, done: make(chan struct{}), rollback: rollback}
}

func (r *recorder) add(t txRecord) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.txs = append(r.txs, t)
	before := r.messages
	r.messages += len(t.events)
	if before < r.want && r.messages >= r.want {
		close(r.done)
	}
}

func (r *recorder) records() []txRecord {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.txs
}

// timedStore is the store the registry is given: every transaction is
// timed call by call.
type timedStore struct {
	store.Store
	rec *recorder
}

func (s *timedStore) Begin(ctx context.Context) (store.Tx, error) {
	start := time.Now()
	tx, err := s.Store.Begin(ctx)
	if err != nil {
		return nil, err
	}
	return &timedTx{Tx: tx, rec: s.rec, start: start, decideFrom: start,
		r:       txRecord{calls: map[string]time.Duration{}, outcome: map[string]outcome{}, repeats: map[int64]bool{}},
		related: map[int64]int64{}}, nil
}

// timedTx passes every call on and times those of grouping. Methods it
// does not name (added to store.Tx later, say) pass through untimed.
type timedTx struct {
	store.Tx
	rec        *recorder
	r          txRecord
	start      time.Time
	decideFrom time.Time
	decided    bool
	related    map[int64]int64 // cases opened here: the case each is related to
}

func (t *timedTx) ClaimEvents(ctx context.Context, ids []string) (map[string]bool, error) {
	t.r.events = append(t.r.events, ids...)
	start := time.Now()
	stored, err := t.Tx.ClaimEvents(ctx, ids)
	t.decideFrom = time.Now()
	t.r.calls["ClaimEvents"] += t.decideFrom.Sub(start)
	return stored, err
}

func (t *timedTx) UpsertContacts(ctx context.Context, cs []store.DomainContact) ([]int64, error) {
	start := time.Now()
	ids, err := t.Tx.UpsertContacts(ctx, cs)
	t.decideFrom = time.Now()
	d := t.decideFrom.Sub(start)
	t.r.contacts += d
	t.r.calls["UpsertContacts"] += d
	return ids, err
}

// lookup times a store call of grouping.
func lookup[T any](t *timedTx, name string, f func() (T, error)) (T, error) {
	start := time.Now()
	v, err := f()
	d := time.Since(start)
	t.r.lookups += d
	t.r.calls[name] += d
	return v, err
}

// write times a store call that writes.
func (t *timedTx) write(name string, f func() error) error {
	start := time.Now()
	err := f()
	t.r.calls[name] += time.Since(start)
	return err
}

func (t *timedTx) FindCasesByRef(ctx context.Context, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	return lookup(t, "FindCasesByRef", func() (map[store.DomainKey]int64, error) { return t.Tx.FindCasesByRef(ctx, keys) })
}

func (t *timedTx) FindCasesByExternalID(ctx context.Context, keys []store.DomainKey) (map[store.DomainKey]int64, error) {
	return lookup(t, "FindCasesByExternalID", func() (map[store.DomainKey]int64, error) { return t.Tx.FindCasesByExternalID(ctx, keys) })
}

func (t *timedTx) FindConversationCases(ctx context.Context, qs []store.ConversationQuery) ([]store.ConversationMatch, error) {
	return lookup(t, "FindConversationCases", func() ([]store.ConversationMatch, error) { return t.Tx.FindConversationCases(ctx, qs) })
}

func (t *timedTx) FindRepeatCandidates(ctx context.Context, qs []store.RepeatQuery) ([][]store.RepeatCandidate, error) {
	return lookup(t, "FindRepeatCandidates", func() ([][]store.RepeatCandidate, error) { return t.Tx.FindRepeatCandidates(ctx, qs) })
}

func (t *timedTx) FindRelatedCases(ctx context.Context, qs []store.RelatedQuery) ([]int64, error) {
	return lookup(t, "FindRelatedCases", func() ([]int64, error) { return t.Tx.FindRelatedCases(ctx, qs) })
}

// CaseStatuses is read to reopen the answered and closed cases that
// messages joined: part of grouping, after the writes.
func (t *timedTx) CaseStatuses(ctx context.Context, ids []int64) (map[int64]string, error) {
	start := time.Now()
	st, err := lookup(t, "CaseStatuses", func() (map[int64]string, error) { return t.Tx.CaseStatuses(ctx, ids) })
	t.r.grouping += time.Since(start)
	return st, err
}

// decidedNow ends the grouping's span at the first write.
func (t *timedTx) decidedNow() {
	if !t.decided {
		t.decided = true
		t.r.grouping += time.Since(t.decideFrom)
	}
}

func (t *timedTx) CreateCases(ctx context.Context, cs []store.NewCase) ([]store.CaseRef, error) {
	t.decidedNow()
	var refs []store.CaseRef
	err := t.write("CreateCases", func() (err error) { refs, err = t.Tx.CreateCases(ctx, cs); return err })
	for i, ref := range refs {
		t.related[ref.ID] = cs[i].RelatedCaseID
	}
	return refs, err
}

func (t *timedTx) InsertMessages(ctx context.Context, ms []*store.Message) error {
	t.decidedNow()
	for _, m := range ms {
		rel, opened := t.related[m.CaseID]
		t.r.outcome[m.EventID] = outcome{caseID: m.CaseID, opened: opened, related: rel}
	}
	return t.write("InsertMessages", func() error { return t.Tx.InsertMessages(ctx, ms) })
}

func (t *timedTx) MarkRepeats(ctx context.Context, rs []store.Repeat) error {
	for _, r := range rs {
		t.r.repeats[r.CaseID] = true
	}
	return t.write("MarkRepeats", func() error { return t.Tx.MarkRepeats(ctx, rs) })
}

func (t *timedTx) SetStatuses(ctx context.Context, cs []store.StatusChange) error {
	return t.write("SetStatuses", func() error { return t.Tx.SetStatuses(ctx, cs) })
}

func (t *timedTx) Commit(ctx context.Context) error {
	err := t.write("Commit", func() error {
		if t.rec.rollback {
			return t.Tx.Rollback(ctx)
		}
		return t.Tx.Commit(ctx)
	})
	if err == nil {
		t.r.total = time.Since(t.start)
		t.rec.add(t.r)
	}
	return err
}
