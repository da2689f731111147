// Package report computes the yearly complaints report the town's director
// owes the council: complaints per department and channel, admissible or
// not, answered in time or late, and the median handling time. Pure: it
// works on cases read from the store.
package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Row is one department and channel.
type Row struct {
	Department   string `json:"department"`
	Channel      string `json:"channel"`
	Complaints   int    `json:"complaints"`
	Admissible   int    `json:"admissible"`
	Inadmissible int    `json:"inadmissible"`
	Undecided    int    `json:"undecided"`
	InTime       int    `json:"answered_in_time"`
	Late         int    `json:"answered_late"`
	Open         int    `json:"not_answered"`
	// MedianDays is the median handling time of the answered complaints,
	// in days; nil when none was answered.
	MedianDays *float64 `json:"median_handling_days"`
}

// Complaints is the report of one year.
type Complaints struct {
	Year  int   `json:"year"`
	Rows  []Row `json:"rows"`
	Total Row   `json:"total"`
}

// Build computes the report of year from its complaint cases.
func Build(year int, cases []store.Case) Complaints {
	type key struct{ dept, channel string }
	rows := map[key]*Row{}
	durations := map[key][]float64{}
	total := &Row{Department: "totaal", Channel: "alle"}
	var all []float64
	for _, c := range cases {
		k := key{orUnknown(c.Department), orUnknown(c.Channel)}
		r, ok := rows[k]
		if !ok {
			r = &Row{Department: k.dept, Channel: k.channel}
			rows[k] = r
		}
		for _, x := range []*Row{r, total} {
			x.Complaints++
			switch {
			case c.Admissible == nil:
				x.Undecided++
			case *c.Admissible:
				x.Admissible++
			default:
				x.Inadmissible++
			}
			switch {
			case c.AnsweredAt == nil:
				x.Open++
			case c.AnswerDue == nil || !c.AnsweredAt.After(*c.AnswerDue):
				x.InTime++
			default:
				x.Late++
			}
		}
		if c.AnsweredAt != nil {
			d := c.AnsweredAt.Sub(c.OpenedAt).Hours() / 24
			durations[k] = append(durations[k], d)
			all = append(all, d)
		}
	}
	out := Complaints{Year: year}
	for k, r := range rows {
		r.MedianDays = median(durations[k])
		out.Rows = append(out.Rows, *r)
	}
	sort.Slice(out.Rows, func(i, j int) bool {
		a, b := out.Rows[i], out.Rows[j]
		if a.Department != b.Department {
			return a.Department < b.Department
		}
		return a.Channel < b.Channel
	})
	total.MedianDays = median(all)
	out.Total = *total
	return out
}

// Period is the year in loc, as [from, to).
func Period(year int, loc *time.Location) (from, to time.Time) {
	return time.Date(year, 1, 1, 0, 0, 0, 0, loc), time.Date(year+1, 1, 1, 0, 0, 0, 0, loc)
}

func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return &m
}

func orUnknown(s string) string {
	if s == "" {
		return "onbekend"
	}
	return s
}

// WriteCSV writes the report with Dutch column names, the total last.
func (c Complaints) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Comma = ';' // what a Belgian spreadsheet expects
	_ = cw.Write([]string{"jaar", "dienst", "kanaal", "klachten", "ontvankelijk", "onontvankelijk", "niet beslist",
		"tijdig beantwoord", "laattijdig beantwoord", "niet beantwoord", "mediane behandelingstijd (dagen)"})
	for _, r := range append(slices.Clone(c.Rows), c.Total) {
		med := ""
		if r.MedianDays != nil {
			med = strconv.FormatFloat(*r.MedianDays, 'f', 1, 64)
		}
		_ = cw.Write([]string{strconv.Itoa(c.Year), r.Department, r.Channel, strconv.Itoa(r.Complaints), strconv.Itoa(r.Admissible),
			strconv.Itoa(r.Inadmissible), strconv.Itoa(r.Undecided), strconv.Itoa(r.InTime), strconv.Itoa(r.Late), strconv.Itoa(r.Open), med})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("write complaints report: %w", err)
	}
	return nil
}
