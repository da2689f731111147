package main

import (
	"context"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
)

// The tables that grow with the history: a sequential scan of one of them
// in a lookup would grow with it.
var bigTables = []string{"messages", "cases", "contacts", "case_timeline", "attachments"}

var (
	durationLine = regexp.MustCompile(`^duration: ([0-9.]+) ms`)
	scanLine     = regexp.MustCompile(`(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)(?: Backward)?(?: using (\S+))? on (\S+)`)
)

// explain runs the first events of the workload through the registry once
// more, on the loaded database itself, with every statement explained as
// it runs: one transaction per grouping path, then 100 events in batches
// of up to 100. The transactions are rolled back, so the loaded data stays
// as it was.
func explain(ctx context.Context, o options, b *bus.Bus, loaded string) error {
	dsn, err := databaseURL(o.dsn, loaded)
	if err != nil {
		return err
	}
	var (
		mu    sync.Mutex
		plans []string
	)
	st, err := postgres.OpenExplained(ctx, dsn, o.log, func(p string) {
		mu.Lock()
		plans = append(plans, p)
		mu.Unlock()
	})
	if err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	defer st.Close()
	if _, err := feed(ctx, o, b, st, "explain", 1, len(paths), true); err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	if _, err := feed(ctx, o, b, st, "explain", 100, 100, true); err != nil {
		return fmt.Errorf("explain: %w", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if err := os.WriteFile(o.plans, []byte(strings.Join(plans, "\n\n")+"\n"), 0o644); err != nil {
		return fmt.Errorf("write plans: %w", err)
	}

	type statement struct {
		text  string
		calls int
		maxMS float64
		scans map[string]bool
		seq   []string
	}
	var order []string
	byText := map[string]*statement{}
	for _, p := range plans {
		text, plan := splitPlan(p)
		s := byText[text]
		if s == nil {
			s = &statement{text: text, scans: map[string]bool{}}
			byText[text] = s
			order = append(order, text)
		}
		s.calls++
		if m := durationLine.FindStringSubmatch(p); m != nil {
			ms, _ := strconv.ParseFloat(m[1], 64)
			s.maxMS = max(s.maxMS, ms)
		}
		for _, m := range scanLine.FindAllStringSubmatch(plan, -1) {
			if m[1] == "Seq Scan" {
				if isBig(m[3]) {
					s.seq = append(s.seq, m[3])
				}
				s.scans["seq scan "+m[3]] = true
			} else if m[2] != "" {
				s.scans[m[2]] = true
			} else {
				s.scans[m[3]] = true // a bitmap index scan names the index only
			}
		}
	}
	fmt.Printf("\nEXPLAIN (ANALYZE, BUFFERS) of every statement the registry ran on the loaded data (%d plans: one\n"+
		"transaction per path, then 100 events in batches; the plans are in %s):\n\n", len(plans), o.plans)
	bad := 0
	for i, text := range order {
		s := byText[text]
		scans := slices.Sorted(maps.Keys(s.scans))
		flag := ""
		if len(s.seq) > 0 {
			flag = "  <- SEQUENTIAL SCAN of " + strings.Join(s.seq, ", ")
			bad++
		}
		fmt.Printf("%2d. %s\n    runs %d, slowest %.3f ms; %s%s\n", i+1, text, s.calls, s.maxMS, strings.Join(scans, ", "), flag)
	}
	if bad == 0 {
		fmt.Println("\nNo statement scans a table that grows with the history sequentially.")
	} else {
		fmt.Printf("\n%d statements scan a table that grows with the history sequentially.\n", bad)
	}
	return nil
}

// splitPlan separates auto_explain's text into the statement (on one line)
// and the plan: the plan starts at the first line with a cost estimate.
func splitPlan(p string) (string, string) {
	lines := strings.Split(p, "\n")
	var text []string
	for i, l := range lines {
		if strings.Contains(l, "(cost=") {
			return strings.Join(strings.Fields(strings.Join(text, " ")), " "), strings.Join(lines[i:], "\n")
		}
		if i == 0 {
			continue // duration
		}
		text = append(text, strings.TrimPrefix(l, "Query Text: "))
	}
	return strings.Join(strings.Fields(strings.Join(text, " ")), " "), ""
}

func isBig(table string) bool {
	for _, t := range bigTables {
		if table == t || strings.HasSuffix(table, "."+t) {
			return true
		}
	}
	return false
}
