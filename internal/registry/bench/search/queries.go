package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
)

// query is one search of the set: of messages, or (contacts) of citizens.
type query struct {
	kind     string
	search   store.SearchQuery
	contacts bool
}

func (q query) String() string {
	s := q.search
	var b strings.Builder
	fmt.Fprintf(&b, "%q in %s", s.Text, strings.Join(s.Domains, "+"))
	for _, f := range []struct{ name, v string }{
		{"channel", s.Channel}, {"status", s.Status}, {"department", s.Department}, {"type", s.Type},
	} {
		if f.v != "" {
			fmt.Fprintf(&b, " %s=%s", f.name, f.v)
		}
	}
	if !s.From.IsZero() {
		fmt.Fprintf(&b, " from=%s", s.From.Format(time.DateOnly))
	}
	if s.Offset > 0 {
		fmt.Fprintf(&b, " offset=%d", s.Offset)
	}
	return b.String()
}

var both = []string{"gemeente", "sociaalhuis"}

// queries are the searches staff make, drawn from the history: what it is
// about, where, who, which case.
func (c *corpus) queries(seed uint64) []query {
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b9))
	pick := func(list []string) string { return list[rng.IntN(len(list))] }
	topicOf := func(domain string) *topic {
		for {
			t := &topics[rng.IntN(len(topics))]
			if domain == "" || t.domain == domain {
				return t
			}
		}
	}
	citizen := func(domain string) citizen {
		list := c.citizens[domain]
		return list[rng.IntN(len(list))]
	}
	var qs []query
	add := func(kind string, n int, f func() store.SearchQuery) {
		for range n {
			q := f()
			if q.Domains == nil {
				q.Domains = both
			}
			qs = append(qs, query{kind: kind, search: q})
		}
	}
	add("word", 60, func() store.SearchQuery { return store.SearchQuery{Text: pick(topicOf("").words)} })
	add("word+street", 40, func() store.SearchQuery {
		return store.SearchQuery{Text: pick(topicOf("gemeente").words) + " " + pick(c.streets)}
	})
	add("two words", 20, func() store.SearchQuery {
		t := topicOf("")
		return store.SearchQuery{Text: pick(t.words) + " " + pick(t.words)}
	})
	add("surname", 30, func() store.SearchQuery { return store.SearchQuery{Text: personName(pick(lastNames))} })
	add("full name", 20, func() store.SearchQuery { return store.SearchQuery{Text: citizen("gemeente").name} })
	add("reference", 30, func() store.SearchQuery {
		d := pick(both)
		return store.SearchQuery{Text: pick(c.refs[d]), Domains: []string{d}}
	})
	add("e-mail", 15, func() store.SearchQuery {
		for {
			if p := citizen(pick(both)); p.email != "" {
				return store.SearchQuery{Text: p.email}
			}
		}
	})
	add("phone", 10, func() store.SearchQuery {
		for {
			if p := citizen("gemeente"); p.phone != "" {
				return store.SearchQuery{Text: p.phone}
			}
		}
	})
	add("attachment", 15, func() store.SearchQuery {
		return store.SearchQuery{Text: pick([]string{"offerte", "loonbrief", "huurcontract", "aanvraagformulier", "foto " + strings.ToLower(pick(c.streets))})}
	})
	add("word+filter", 50, func() store.SearchQuery {
		t := topicOf("gemeente")
		q := store.SearchQuery{Text: pick(t.words)}
		switch rng.IntN(5) {
		case 0:
			q.Channel = pick([]string{"email", "facebook", "eloket", "phone"})
		case 1:
			q.Status = pick([]string{store.StatusNew, store.StatusInProgress, store.StatusClosed})
		case 2:
			q.Department = t.department
		case 3:
			q.Type = pick([]string{"melding", "klacht"})
		case 4:
			q.From = corpusEnd.AddDate(0, -1-rng.IntN(6), 0)
		}
		return q
	})
	add("one domain", 30, func() store.SearchQuery {
		d := pick(both)
		return store.SearchQuery{Text: pick(topicOf(d).words), Domains: []string{d}}
	})
	add("other domain's word", 10, func() store.SearchQuery {
		return store.SearchQuery{Text: pick(topicOf("sociaalhuis").words), Domains: []string{"gemeente"}}
	})
	add("page 2-5", 10, func() store.SearchQuery {
		return store.SearchQuery{Text: pick(topicOf("").words), Offset: 20 * (1 + rng.IntN(4))}
	})
	add("no words, filters", 20, func() store.SearchQuery {
		q := store.SearchQuery{Status: pick([]string{store.StatusNew, store.StatusWaiting}), Domains: []string{pick(both)}}
		if rng.IntN(2) == 0 {
			q.Channel = "facebook"
		}
		return q
	})
	for range 30 {
		d := pick(both)
		p := citizen(d)
		text := strings.Fields(p.name)[len(strings.Fields(p.name))-1]
		if rng.IntN(2) == 0 {
			text = p.name[:3] + " " + text[:min(4, len(text))]
		}
		qs = append(qs, query{kind: "citizens by name", contacts: true, search: store.SearchQuery{Text: text, Domains: []string{d}}})
	}
	return qs
}

// result is a query's latencies, and what it found.
type result struct {
	query
	times        []time.Duration
	total        int
	capped       bool
	pendingAfter int
}

// measure runs the set once to warm up, then rounds times in a shuffled
// order, one query at a time.
func measure(ctx context.Context, st *postgres.Store, qs []query, rounds int) ([]result, error) {
	results := make([]result, len(qs))
	order := make([]int, len(qs))
	for i := range order {
		order[i] = i
		results[i].query = qs[i]
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range rounds + 1 {
		rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, i := range order {
			r := &results[i]
			start := time.Now()
			if r.contacts {
				cs, err := st.ListContacts(ctx, store.ContactQuery{Text: r.search.Text, Domains: r.search.Domains})
				if err != nil {
					return nil, err
				}
				r.total = len(cs)
			} else {
				res, err := st.SearchMessages(ctx, r.search)
				if err != nil {
					return nil, err
				}
				r.total, r.capped, r.pendingAfter = res.Total, res.TotalCapped, res.Pending
			}
			if round > 0 {
				r.times = append(r.times, time.Since(start))
			}
		}
	}
	return results, nil
}

func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(ds))
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d.Microseconds())/1000) }

func report(w io.Writer, o options, results []result) {
	var all, messages []time.Duration
	kinds := map[string][]time.Duration{}
	var kindOrder []string
	totals := map[string][]int{}
	for _, r := range results {
		if _, ok := kinds[r.kind]; !ok {
			kindOrder = append(kindOrder, r.kind)
		}
		kinds[r.kind] = append(kinds[r.kind], r.times...)
		totals[r.kind] = append(totals[r.kind], r.total)
		all = append(all, r.times...)
		if !r.contacts {
			messages = append(messages, r.times...)
		}
	}
	fmt.Fprintf(w, "\n%d queries × %d rounds over %d messages, one at a time (ms):\n\n", len(results), o.rounds, o.messages)
	fmt.Fprintln(w, "| queries | n | matches (median) | p50 | p95 | p99 | max |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	line := func(name string, ds []time.Duration, n int, matches string) {
		fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s |\n", name, n, matches,
			ms(percentile(ds, 0.50)), ms(percentile(ds, 0.95)), ms(percentile(ds, 0.99)), ms(percentile(ds, 1)))
	}
	for _, k := range kindOrder {
		ts := slices.Sorted(slices.Values(totals[k]))
		line(k, kinds[k], len(ts), fmt.Sprint(ts[len(ts)/2]))
	}
	line("**all message searches**", messages, len(messages)/max(o.rounds, 1), "")
	line("**all**", all, len(all)/max(o.rounds, 1), "")

	slices.SortFunc(results, func(a, b result) int { return int(slices.Max(b.times) - slices.Max(a.times)) })
	fmt.Fprintln(w, "\nslowest (ms, each run):")
	for _, r := range results[:min(10, len(results))] {
		var ts []string
		for _, t := range r.times {
			ts = append(ts, ms(t))
		}
		capped := ""
		if r.capped {
			capped = "+"
		}
		fmt.Fprintf(w, "  %-18s %-70s %5d%s matches  %s\n", r.kind, r.query.String(), r.total, capped, strings.Join(ts, " "))
	}
}

// explain runs a few queries of each kind on a store that has PostgreSQL
// explain every statement (auto_explain), and writes the plans to o.plans.
func explain(ctx context.Context, o options, dsn string, qs []query) error {
	f, err := os.Create(o.plans)
	if err != nil {
		return err
	}
	defer f.Close()
	var current string
	st, err := postgres.OpenExplained(ctx, dsn, o.log, func(plan string) {
		fmt.Fprintf(f, "=== %s\n%s\n\n", current, plan)
	})
	if err != nil {
		return err
	}
	defer st.Close()
	seen := map[string]int{}
	for _, q := range qs {
		if seen[q.kind] >= 2 {
			continue
		}
		seen[q.kind]++
		current = q.kind + ": " + q.String()
		if q.contacts {
			_, err = st.ListContacts(ctx, store.ContactQuery{Text: q.search.Text, Domains: q.search.Domains})
		} else {
			_, err = st.SearchMessages(ctx, q.search)
		}
		if err != nil {
			return err
		}
	}
	fmt.Printf("\nplans: %s\n", o.plans)
	return f.Close()
}
