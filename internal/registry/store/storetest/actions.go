package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// kinds lists the timeline entry kinds, in order, with their actors.
func kinds(d store.CaseDetail) []string {
	var out []string
	for _, e := range d.Timeline {
		out = append(out, e.Kind+"/"+e.Actor)
	}
	return out
}

func messageIDs(d store.CaseDetail) []int64 {
	var out []int64
	for _, m := range d.Messages {
		out = append(out, m.ID)
	}
	slices.Sort(out)
	return out
}

func testNotesAssignForward(t *testing.T, s store.Store) {
	var c store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		c = newCaseTx(t, tx, "gemeente")
		insertTx(t, tx, inCase(message("na-1", "gemeente"), c.ID, at(1)))
	})
	var fwdID int64
	inTx(t, s, func(tx store.Tx) {
		got, err := tx.LockCase(ctx(t), c.Ref)
		if err != nil || got.ID != c.ID || got.Ref != c.Ref || got.MessageCount != 1 {
			t.Fatalf("LockCase(%s) = %+v, %v", c.Ref, got, err)
		}
		if _, err := tx.AddNote(ctx(t), store.Note{CaseID: c.ID, Actor: "els", At: at(10), Text: "Gebeld met de burger."}); err != nil {
			t.Fatal(err)
		}
		if err := tx.Assign(ctx(t), store.Assignment{CaseID: c.ID, Department: "openbare-werken", Assignee: "pieter", Actor: "els", At: at(11)}); err != nil {
			t.Fatal(err)
		}
		// Only the person changes; the department stays.
		if err := tx.Assign(ctx(t), store.Assignment{CaseID: c.ID, Assignee: "joke", Actor: "pieter", At: at(12)}); err != nil {
			t.Fatal(err)
		}
		fwdID, err = tx.Forward(ctx(t), store.Forward{CaseID: c.ID, Organisation: "Fluvius", Question: "Kan de lamp hersteld worden?",
			ExpectedBy: ptr(at(60 * 24 * 10)), Actor: "joke", At: at(13)})
		if err != nil {
			t.Fatal(err)
		}
		if waiting, err := tx.ForwardAnswered(ctx(t), store.ForwardAnswer{CaseID: c.ID, ForwardID: fwdID, Answer: "Hersteld op 10/12.", Actor: "joke", At: at(14)}); err != nil || waiting != 0 {
			t.Fatal(err)
		}
	})
	d := getCase(t, s, c.Ref)
	diff(t, "timeline", kinds(d), []string{"message/", "note/els", "assign/els", "assign/pieter", "forward/joke", "forward-answer/joke"})
	if d.Department != "openbare-werken" || d.Assignee != "joke" {
		t.Errorf("department %q, assignee %q; want openbare-werken, joke", d.Department, d.Assignee)
	}
	if !d.UpdatedAt.Equal(stored(at(14))) {
		t.Errorf("UpdatedAt %v, want %v", d.UpdatedAt, stored(at(14)))
	}
	if d.Timeline[1].Detail != "Gebeld met de burger." || !strings.Contains(d.Timeline[2].Detail, "openbare-werken") ||
		!strings.Contains(d.Timeline[4].Detail, "Fluvius") || !strings.Contains(d.Timeline[4].Detail, "Kan de lamp") {
		t.Errorf("timeline details: %+v", d.Timeline)
	}
	want := []store.Forward{{ID: fwdID, CaseID: c.ID, Organisation: "Fluvius", Question: "Kan de lamp hersteld worden?",
		ExpectedBy: storedPtr(ptr(at(60 * 24 * 10))), Actor: "joke", At: stored(at(13)), AnsweredAt: storedPtr(ptr(at(14))), Answer: "Hersteld op 10/12."}}
	diff(t, "forwards", d.Forwards, want)

	// Errors: unknown case, a forward of another case, answered twice, no organisation.
	c2, _ := newCase(t, s, "gemeente")
	err := inTxErr(ctx(t), s, func(tx store.Tx) error {
		_, err := tx.LockCase(ctx(t), "MP-2026-999999")
		return err
	})
	wantNotFound(t, "LockCase of an unknown case", err)
	err = inTxErr(ctx(t), s, func(tx store.Tx) error {
		_, err := tx.ForwardAnswered(ctx(t), store.ForwardAnswer{CaseID: c2, ForwardID: fwdID, At: at(20)})
		return err
	})
	wantNotFound(t, "ForwardAnswered of another case's forward", err)
	for name, f := range map[string]func(tx store.Tx) error{
		"answered twice": func(tx store.Tx) error {
			_, err := tx.ForwardAnswered(ctx(t), store.ForwardAnswer{CaseID: c.ID, ForwardID: fwdID, At: at(20)})
			return err
		},
		"no organisation": func(tx store.Tx) error {
			_, err := tx.Forward(ctx(t), store.Forward{CaseID: c.ID, Organisation: "  ", At: at(20)})
			return err
		},
		"no suggestion to dismiss": func(tx store.Tx) error {
			return tx.DismissSuggestion(ctx(t), c.ID, "els", at(20), "")
		},
	} {
		if err := inTxErr(ctx(t), s, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
}

func testComplaintSuggestion(t *testing.T, s store.Store) {
	var fresh, old, complaint, angry store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "SG", Year: 2026, Domain: "gemeente", Type: "melding", OpenedAt: at(0)},
			{Prefix: "SG", Year: 2026, Domain: "gemeente", Type: "melding", OpenedAt: at(-60 * 24 * 21)},
			{Prefix: "SG", Year: 2026, Domain: "gemeente", Type: "klacht", OpenedAt: at(-60 * 24 * 21)},
			{Prefix: "SG", Year: 2026, Domain: "gemeente", Type: "vraag", OpenedAt: at(0)},
		})
		if err != nil {
			t.Fatal(err)
		}
		fresh, old, complaint, angry = refs[0], refs[1], refs[2], refs[3]
		if err := tx.MarkRepeats(ctx(t), []store.Repeat{
			{CaseID: fresh.ID, At: at(60), SuggestAfter: 7 * 24 * time.Hour},                     // too soon
			{CaseID: old.ID, At: at(60), SuggestAfter: 7 * 24 * time.Hour},                       // three weeks without answer
			{CaseID: old.ID, At: at(61), SuggestAfter: 7 * 24 * time.Hour},                       // suggested once
			{CaseID: complaint.ID, At: at(60), SuggestAfter: 7 * 24 * time.Hour},                 // a complaint already
			{CaseID: angry.ID, At: at(60), SuggestAfter: 7 * 24 * time.Hour, Dissatisfied: true}, // says so
		}); err != nil {
			t.Fatal(err)
		}
	})
	for _, tc := range []struct {
		c    store.CaseRef
		want string
	}{{fresh, ""}, {old, store.SuggestComplaint}, {complaint, ""}, {angry, store.SuggestComplaint}} {
		d := getCase(t, s, tc.c.Ref)
		n := 0
		for _, e := range d.Timeline {
			if e.Kind == "suggestion" {
				n++
			}
		}
		if d.Suggestion != tc.want || (tc.want != "") != (n == 1) || n > 1 {
			t.Errorf("case %s: suggestion %q with %d entries, want %q", tc.c.Ref, d.Suggestion, n, tc.want)
		}
	}
	inTx(t, s, func(tx store.Tx) {
		if err := tx.DismissSuggestion(ctx(t), old.ID, "els", at(70), "was een vraag"); err != nil {
			t.Fatal(err)
		}
	})
	if d := getCase(t, s, old.Ref); d.Suggestion != "" || d.Timeline[len(d.Timeline)-1].Actor != "els" {
		t.Errorf("after dismissal: suggestion %q, timeline %+v", d.Suggestion, d.Timeline)
	}
}

func testMergeSplit(t *testing.T, s store.Store) {
	var a, b, soc store.CaseRef
	inTx(t, s, func(tx store.Tx) {
		refs, err := tx.CreateCases(ctx(t), []store.NewCase{
			{Prefix: "MS", Year: 2026, Domain: "gemeente", OpenedAt: at(0)},
			{Prefix: "MS", Year: 2026, Domain: "gemeente", OpenedAt: at(0)},
			{Prefix: "MS", Year: 2026, Domain: "sociaalhuis", OpenedAt: at(0)},
		})
		if err != nil {
			t.Fatal(err)
		}
		a, b, soc = refs[0], refs[1], refs[2]
		insertTx(t, tx, inCase(message("ms-a1", "gemeente"), a.ID, at(1)), inCase(message("ms-a2", "gemeente"), a.ID, at(2)),
			inCase(message("ms-b1", "gemeente"), b.ID, at(3)), inCase(message("ms-s1", "sociaalhuis"), soc.ID, at(4)))
	})
	aIDs, bIDs := messageIDs(getCase(t, s, a.Ref)), messageIDs(getCase(t, s, b.Ref))

	// Merge b into a.
	var merge store.CaseMove
	inTx(t, s, func(tx store.Tx) {
		var err error
		merge, err = tx.Merge(ctx(t), store.Merge{From: b.ID, Into: a.ID, Actor: "els", At: at(10)})
		if err != nil {
			t.Fatal(err)
		}
	})
	if merge.ID == 0 || merge.Kind != "merge" || merge.FromRef != b.Ref || merge.ToRef != a.Ref || !slices.Equal(merge.MessageIDs, bIDs) {
		t.Errorf("Merge = %+v", merge)
	}
	da, db := getCase(t, s, a.Ref), getCase(t, s, b.Ref)
	diff(t, "messages of a after merge", messageIDs(da), slices.Sorted(slices.Values(append(slices.Clone(aIDs), bIDs...))))
	if len(db.Messages) != 0 || db.Status != store.StatusMerged || db.MergedInto != a.ID || len(db.Moves) != 1 || len(da.Moves) != 1 {
		t.Errorf("merged case: %d messages, status %q, merged into %d, moves %+v", len(db.Messages), db.Status, db.MergedInto, db.Moves)
	}
	messageEntries := 0
	for _, e := range da.Timeline {
		if e.Kind == "message" {
			messageEntries++
		}
	}
	if messageEntries != 3 || da.Timeline[len(da.Timeline)-1].Kind != "merge" || db.Timeline[len(db.Timeline)-1].Kind != "merge" {
		t.Errorf("timelines after merge: a %v, b %v", kinds(da), kinds(db))
	}
	// A reply quoting the merged case's reference joins the case it is in now.
	inTx(t, s, func(tx store.Tx) {
		got, err := tx.FindCasesByRef(ctx(t), []store.DomainKey{{Domain: "gemeente", Value: b.Ref}})
		if err != nil || got[store.DomainKey{Domain: "gemeente", Value: b.Ref}] != a.ID {
			t.Errorf("FindCasesByRef(%s) after merge = %v, %v; want case %d", b.Ref, got, err, a.ID)
		}
	})
	// Merged cases are not open, and cannot be merged again.
	if cs, err := s.ListCases(ctx(t), store.CaseFilter{Open: true, Domains: []string{"gemeente"}}); err != nil || len(cs) != 1 || cs[0].ID != a.ID {
		t.Errorf("open cases after merge = %+v, %v", cs, err)
	}
	for name, f := range map[string]func(tx store.Tx) error{
		"merge again": func(tx store.Tx) error {
			_, err := tx.Merge(ctx(t), store.Merge{From: b.ID, Into: a.ID, At: at(11)})
			return err
		},
		"merge into self": func(tx store.Tx) error {
			_, err := tx.Merge(ctx(t), store.Merge{From: a.ID, Into: a.ID, At: at(11)})
			return err
		},
		"split all": func(tx store.Tx) error {
			_, err := tx.Split(ctx(t), store.Split{CaseID: a.ID, MessageIDs: messageIDs(getCase(t, s, a.Ref)), At: at(11),
				NewCase: store.NewCase{Prefix: "MS", Year: 2026, Domain: "gemeente"}})
			return err
		},
		"split a message of another case": func(tx store.Tx) error {
			_, err := tx.Split(ctx(t), store.Split{CaseID: a.ID, MessageIDs: messageIDs(getCase(t, s, soc.Ref)), At: at(11),
				NewCase: store.NewCase{Prefix: "MS", Year: 2026, Domain: "gemeente"}})
			return err
		},
	} {
		if err := inTxErr(ctx(t), s, f); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", name, err)
		}
	}
	// Never across domains.
	for name, f := range map[string]func(tx store.Tx) error{
		"merge": func(tx store.Tx) error {
			_, err := tx.Merge(ctx(t), store.Merge{From: soc.ID, Into: a.ID, At: at(11)})
			return err
		},
		"split": func(tx store.Tx) error {
			_, err := tx.Split(ctx(t), store.Split{CaseID: a.ID, MessageIDs: aIDs[:1], At: at(11),
				NewCase: store.NewCase{Prefix: "MS", Year: 2026, Domain: "sociaalhuis"}})
			return err
		},
	} {
		if err := inTxErr(ctx(t), s, f); !errors.Is(err, store.ErrCrossDomain) {
			t.Errorf("%s across domains: error %v, want ErrCrossDomain", name, err)
		}
	}

	// Undo the merge: b gets its message and status back.
	inTx(t, s, func(tx store.Tx) {
		if _, err := tx.UndoMove(ctx(t), a.ID, merge.ID, "jan", at(20)); err != nil {
			t.Fatal(err)
		}
	})
	da, db = getCase(t, s, a.Ref), getCase(t, s, b.Ref)
	diff(t, "messages of a after undo", messageIDs(da), aIDs)
	diff(t, "messages of b after undo", messageIDs(db), bIDs)
	if db.Status != store.StatusNew || db.MergedInto != 0 || db.Moves[0].UndoneAt == nil || db.Moves[0].UndoneBy != "jan" {
		t.Errorf("b after undo: status %q, merged into %d, moves %+v", db.Status, db.MergedInto, db.Moves)
	}
	err := inTxErr(ctx(t), s, func(tx store.Tx) error { _, err := tx.UndoMove(ctx(t), soc.ID, merge.ID, "jan", at(21)); return err })
	wantNotFound(t, "UndoMove of a move of other cases", err)
	if err := inTxErr(ctx(t), s, func(tx store.Tx) error { _, err := tx.UndoMove(ctx(t), a.ID, merge.ID, "jan", at(21)); return err }); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("undo twice: error %v, want ErrInvalid", err)
	}

	// Split a's second message off into a new case, then undo it.
	var split store.CaseMove
	inTx(t, s, func(tx store.Tx) {
		var err error
		split, err = tx.Split(ctx(t), store.Split{CaseID: a.ID, MessageIDs: aIDs[1:], Actor: "els", At: at(30), Detail: "andere vraag",
			NewCase: store.NewCase{Prefix: "MS", Year: 2026, Domain: "gemeente", Subject: "Andere vraag", OpenedAt: at(30)}})
		if err != nil {
			t.Fatal(err)
		}
	})
	dn := getCase(t, s, split.ToRef)
	diff(t, "messages of the split-off case", messageIDs(dn), aIDs[1:])
	diff(t, "messages left in a", messageIDs(getCase(t, s, a.Ref)), aIDs[:1])
	if dn.Subject != "Andere vraag" || dn.Domain != "gemeente" || dn.Timeline[len(dn.Timeline)-1].Kind != "split" {
		t.Errorf("split-off case %+v, timeline %v", dn.Case, kinds(dn))
	}
	inTx(t, s, func(tx store.Tx) {
		if _, err := tx.UndoMove(ctx(t), a.ID, split.ID, "els", at(40)); err != nil {
			t.Fatal(err)
		}
	})
	da, dn = getCase(t, s, a.Ref), getCase(t, s, split.ToRef)
	diff(t, "messages of a after undoing the split", messageIDs(da), aIDs)
	if len(dn.Messages) != 0 || dn.Status != store.StatusMerged || dn.MergedInto != a.ID {
		t.Errorf("split-off case after undo: %d messages, status %q, merged into %d", len(dn.Messages), dn.Status, dn.MergedInto)
	}
	if got := kinds(da); got[len(got)-1] != "unsplit/els" {
		t.Errorf("timeline of a: %v", got)
	}

	// Moves are undone in the reverse order: split a again, merge a into
	// the new case, and the split cannot be undone before the merge (its
	// messages would go back into a merged case).
	var split2, merge2 store.CaseMove
	inTx(t, s, func(tx store.Tx) {
		var err error
		if split2, err = tx.Split(ctx(t), store.Split{CaseID: a.ID, MessageIDs: aIDs[1:], At: at(50),
			NewCase: store.NewCase{Prefix: "MS", Year: 2026, Domain: "gemeente", OpenedAt: at(50)}}); err != nil {
			t.Fatal(err)
		}
		if merge2, err = tx.Merge(ctx(t), store.Merge{From: a.ID, Into: split2.ToCaseID, At: at(51)}); err != nil {
			t.Fatal(err)
		}
	})
	if err := inTxErr(ctx(t), s, func(tx store.Tx) error { _, err := tx.UndoMove(ctx(t), a.ID, split2.ID, "els", at(52)); return err }); !errors.Is(err, store.ErrInvalid) {
		t.Errorf("undo a split before the merge that followed it: error %v, want ErrInvalid", err)
	}
	inTx(t, s, func(tx store.Tx) {
		if _, err := tx.UndoMove(ctx(t), a.ID, merge2.ID, "els", at(53)); err != nil {
			t.Fatal(err)
		}
		if _, err := tx.UndoMove(ctx(t), a.ID, split2.ID, "els", at(54)); err != nil {
			t.Fatal(err)
		}
	})
	da = getCase(t, s, a.Ref)
	diff(t, "messages of a after undoing both", messageIDs(da), aIDs)
	if da.Status == store.StatusMerged || da.MergedInto != 0 {
		t.Errorf("a after undoing both: status %q, merged into %d", da.Status, da.MergedInto)
	}
}
