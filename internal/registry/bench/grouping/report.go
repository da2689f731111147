package main

import (
	"fmt"
	"io"
	"math"
	"slices"
	"text/tabwriter"
	"time"
)

// sample is one transaction's times per message, in milliseconds.
type sample struct {
	grouping, lookups, contacts, total float64
}

// samples are the measured transactions of res, each divided by its
// number of events; with path, only transactions of one event of that path.
func samples(res result, byID map[string]*probe, path string) []sample {
	var out []sample
	for _, t := range res.txs {
		if warmedUp(t, byID) || (path != "" && (len(t.events) != 1 || byID[t.events[0]].path != path)) {
			continue
		}
		n := float64(len(t.events))
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / n }
		out = append(out, sample{ms(t.grouping), ms(t.lookups), ms(t.contacts), ms(t.total)})
	}
	return out
}

// warmedUp reports whether t holds an event of the warm-up (or one not
// of the workload): it is not measured.
func warmedUp(t txRecord, byID map[string]*probe) bool {
	return slices.ContainsFunc(t.events, func(id string) bool { p := byID[id]; return p == nil || p.warm })
}

// quantiles formats the median and the 99th percentile of one field.
func quantiles(ss []sample, field func(sample) float64) string {
	if len(ss) == 0 {
		return "-"
	}
	v := make([]float64, len(ss))
	for i, s := range ss {
		v[i] = field(s)
	}
	slices.Sort(v)
	q := func(p float64) float64 { return v[max(0, int(math.Ceil(p*float64(len(v))))-1)] }
	return fmt.Sprintf("%.2f / %.2f", q(0.5), q(0.99))
}

var (
	groupingOf = func(s sample) float64 { return s.grouping }
	lookupsOf  = func(s sample) float64 { return s.lookups }
	contactsOf = func(s sample) float64 { return s.contacts }
	totalOf    = func(s sample) float64 { return s.total }
)

// storeCalls are the store calls timed, in the order the registry makes
// them.
var storeCalls = []string{"ClaimEvents", "UpsertContacts", "FindCasesByRef", "FindCasesByExternalID", "FindConversationCases",
	"FindRepeatCandidates", "FindRelatedCases", "CreateCases", "InsertMessages", "MarkRepeats", "CaseStatuses", "SetStatuses", "Commit"}

// ok reports whether grouping did with p what it should have.
func (p *probe) ok(o outcome, repeats map[int64]bool) bool {
	switch {
	case p.want != 0:
		return !o.opened && o.caseID == p.want && (p.path != "repeat" || repeats[p.want])
	case p.related:
		return o.opened && o.related != 0
	}
	return o.opened && o.related == 0
}

func report(w io.Writer, o options, probes []probe, results []result) {
	byID := make(map[string]*probe, len(probes))
	for i := range probes {
		byID[probes[i].ev.ID] = &probes[i]
	}
	fmt.Fprintf(w, "\nPer message, in ms, median / 99th percentile. A transaction of one event is one sample; a batch's\n"+
		"time is divided by its events. grouping = the lookups, comparing texts with candidates and routing new\n"+
		"cases; contacts = finding or recording the sender; transaction = Begin to the end of Commit.\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stored messages\tbatch\tsamples\tgrouping\tof which lookups\tcontacts\ttransaction\tevents/s in transactions\t")
	for _, r := range results {
		ss := samples(r, byID, "")
		events := 0
		var busy time.Duration
		for _, t := range r.txs {
			if !warmedUp(t, byID) {
				events += len(t.events)
				busy += t.total
			}
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%s\t%s\t%s\t%s\t%.0f\t\n", r.stored, r.batch, len(ss), quantiles(ss, groupingOf),
			quantiles(ss, lookupsOf), quantiles(ss, contactsOf), quantiles(ss, totalOf), float64(events)/busy.Seconds())
	}
	tw.Flush()

	fmt.Fprintf(w, "\nMean time per message of each store call, in ms (measured transactions only):\n\n")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "call\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%d, batch %d\t", r.stored, r.batch)
	}
	fmt.Fprintln(tw)
	for _, call := range storeCalls {
		fmt.Fprintf(tw, "%s\t", call)
		for _, r := range results {
			var sum time.Duration
			events := 0
			for _, t := range r.txs {
				if !warmedUp(t, byID) {
					sum += t.calls[call]
					events += len(t.events)
				}
			}
			fmt.Fprintf(tw, "%.3f\t", float64(sum)/float64(time.Millisecond)/float64(max(events, 1)))
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()

	var empty, full *result
	for i := range results {
		if results[i].batch == 1 && results[i].stored == 0 {
			empty = &results[i]
		}
		if results[i].batch == 1 && results[i].stored == o.messages {
			full = &results[i]
		}
	}
	if empty != nil && full != nil {
		fmt.Fprintf(w, "\nBy path, one event per transaction (ms, median / 99th percentile):\n\n")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "path\tsamples\tgrouping, empty\tgrouping, %d\tlookups, %d\ttransaction, empty\ttransaction, %d\t\n", o.messages, o.messages, o.messages)
		for _, p := range paths {
			e, f := samples(*empty, byID, p.name), samples(*full, byID, p.name)
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t\n", p.name, len(f), quantiles(e, groupingOf), quantiles(f, groupingOf),
				quantiles(f, lookupsOf), quantiles(e, totalOf), quantiles(f, totalOf))
		}
		tw.Flush()
	}

	for _, r := range results {
		if r.stored != o.messages {
			continue
		}
		fmt.Fprintf(w, "\nWhat grouping made of the measured events at %d stored, batch size %d:\n", r.stored, r.batch)
		good, all := map[string]int{}, map[string]int{}
		for _, t := range r.txs {
			for id, out := range t.outcome {
				p := byID[id]
				if p == nil || p.warm {
					continue
				}
				all[p.path]++
				if p.ok(out, t.repeats) {
					good[p.path]++
				}
			}
		}
		for _, p := range paths {
			fmt.Fprintf(w, "  %-13s %5d of %5d as intended: %s\n", p.name, good[p.name], all[p.name], p.about)
		}
	}
}
