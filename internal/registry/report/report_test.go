package report

import (
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestBuild(t *testing.T) {
	t.Parallel()
	day := func(d int) *time.Time { x := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, d); return &x }
	yes, no := true, false
	c := func(dept, ch string, answeredAfter int, dueAfter int, admissible *bool) store.Case {
		k := store.Case{Department: dept, Channel: ch, OpenedAt: *day(0), AnswerDue: day(dueAfter), Admissible: admissible}
		if answeredAfter >= 0 {
			k.AnsweredAt = day(answeredAfter)
		}
		return k
	}
	got := Build(2026, []store.Case{
		c("milieu", "email", 10, 45, &yes),
		c("milieu", "email", 50, 45, &yes), // late
		c("milieu", "email", 20, 45, &no),
		c("milieu", "eloket", -1, 45, nil), // open
		c("", "facebook", 30, 45, nil),
	})
	if len(got.Rows) != 3 {
		t.Fatalf("rows %+v", got.Rows)
	}
	m := got.Rows[1] // milieu/email (sorted: milieu/eloket, milieu/email, onbekend/facebook)
	if m.Department != "milieu" || m.Channel != "email" || m.Complaints != 3 || m.InTime != 2 || m.Late != 1 ||
		m.Admissible != 2 || m.Inadmissible != 1 || m.MedianDays == nil || *m.MedianDays != 20 {
		t.Errorf("milieu/email = %+v (median %v)", m, m.MedianDays)
	}
	tot := got.Total
	if tot.Complaints != 5 || tot.Open != 1 || tot.Undecided != 2 || tot.MedianDays == nil || *tot.MedianDays != 25 {
		t.Errorf("total = %+v (median %v)", tot, tot.MedianDays)
	}
	var b strings.Builder
	if err := got.WriteCSV(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 5 || !strings.HasPrefix(lines[0], "jaar;dienst;kanaal;klachten") || !strings.HasPrefix(lines[4], "2026;totaal;alle;5;") {
		t.Errorf("csv:\n%s", b.String())
	}
	if empty := Build(2025, nil); len(empty.Rows) != 0 || empty.Total.MedianDays != nil {
		t.Errorf("empty year: %+v", empty)
	}
}
