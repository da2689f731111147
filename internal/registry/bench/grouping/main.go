// Command grouping measures what grouping adds to registering a message
// when PostgreSQL already holds many: it loads a generated history of
// -messages messages (two years of a region's intake, with contacts,
// cases and their timelines) once into a database of its own, then feeds
// new events that take every grouping path through the real registry —
// from an embedded JetStream, in its own batches and transactions —
// against a copy of that database and against an empty one, and prints the
// time per message of grouping and of the whole transaction. At the end it
// has PostgreSQL explain every statement of the registry's transactions on
// the loaded data. See docs/benchmarks.md.
//
//	go run ./internal/registry/bench/grouping -messages 1000000
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/deadline"
	"github.com/meldpunt/meldpunt/internal/registry/routing"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "grouping:", err)
		os.Exit(1)
	}
}

const (
	seed = 6
	// version names the generator: change it when the history it makes
	// changes, so that a database loaded by another version is not taken
	// for this one's.
	version = 4
	// warmup events go first in every run and are not measured: they
	// warm the connections, statement caches and the upper levels of the
	// indexes. A multiple of every batch size, so batches stay unmixed.
	warmup = 1000
	// chunk is how many messages one BulkLoad call writes.
	chunk = 20_000
)

// historyEnd is when the generated history ends and the workload begins.
var historyEnd = time.Date(2026, 11, 30, 16, 0, 0, 0, time.UTC)

type options struct {
	messages   int
	events     int
	batchSizes []int
	dsn        string
	reload     bool
	plans      string
	rules      *routing.Rules
	deadlines  *deadline.Policy
	loc        *time.Location
	log        *slog.Logger
}

func run(ctx context.Context) error {
	var (
		o            options
		batches      string
		routingFile  string
		defaultPlans = filepath.Join(os.TempDir(), "meldpunt-grouping-plans.txt")
	)
	flag.IntVar(&o.messages, "messages", 1_000_000, "stored messages to measure against")
	flag.IntVar(&o.events, "events", 6000, "new events to measure per run (after 1000 of warm-up)")
	flag.StringVar(&batches, "batch-sizes", "1,500", "registry batch sizes to measure, comma-separated")
	dsnDefault := os.Getenv("MELDPUNT_TEST_DATABASE_URL")
	if dsnDefault == "" {
		dsnDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	flag.StringVar(&o.dsn, "dsn", dsnDefault, "PostgreSQL server; databases meldpunt_bench_grouping_* are created there (needs CREATEDB; EXPLAIN needs a superuser)")
	flag.BoolVar(&o.reload, "reload", false, "load the history again even if it is loaded")
	flag.StringVar(&routingFile, "routing", "configs/routing.toml", "routing rules for new cases (empty: none)")
	flag.StringVar(&o.plans, "plans", defaultPlans, "file to write the query plans to")
	flag.Parse()
	for _, s := range strings.Split(batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || warmup%n != 0 {
			return fmt.Errorf("-batch-sizes: %q is not a divisor of %d", s, warmup)
		}
		o.batchSizes = append(o.batchSizes, n)
	}
	o.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	var err error
	if o.loc, err = time.LoadLocation("Europe/Brussels"); err != nil {
		return fmt.Errorf("load time zone: %w", err)
	}
	if routingFile != "" {
		if o.rules, err = routing.Load(routingFile); err != nil {
			return err
		}
	}
	o.deadlines = deadline.DefaultPolicy()

	start := time.Now()
	h := newHistory(seed, o.messages, historyEnd, o.loc)
	probes, err := h.workload(warmup, o.events)
	if err != nil {
		return err
	}
	open := 0
	for i := range h.cases {
		if !isClosed(h.cases[i].status) {
			open++
		}
	}
	names := map[string]int{}
	for _, c := range h.citizens {
		names[string(c.domain)+"/"+c.name]++
	}
	shared, largest := 0, 0
	for _, n := range names {
		if n > 1 {
			shared += n
		}
		largest = max(largest, n)
	}
	fmt.Printf("history: %d messages in %d cases (%.1f%% open) of %d contacts (%.0f%% share their name with another, at most %d), %s to %s; workload: %d events; generated in %s\n",
		len(h.msgs), len(h.cases), 100*float64(open)/float64(len(h.cases)), len(h.citizens),
		100*float64(shared)/float64(len(h.citizens)), largest,
		h.start.Format(time.DateOnly), h.end.Format(time.DateOnly), len(probes), time.Since(start).Round(time.Millisecond))

	admin, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", o.dsn, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	loaded := fmt.Sprintf("meldpunt_bench_grouping_v%d_%d", version, o.messages)
	if err := ensureLoaded(ctx, admin, o, loaded, h); err != nil {
		return err
	}

	natsDir, err := os.MkdirTemp("", "meldpunt-grouping-nats-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(natsDir)
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedConfig{Port: -1, StoreDir: natsDir}, o.log)
	if err != nil {
		return err
	}
	defer emb.Shutdown()
	b, err := bus.Connect(ctx, bus.Config{URL: emb.ClientURL(), Name: "grouping-bench"}, o.log)
	if err != nil {
		return err
	}
	defer b.Close()
	if err := b.Ensure(ctx); err != nil {
		return err
	}
	evs := make([]caseevent.Event, len(probes))
	for i := range probes {
		evs[i] = probes[i].ev
	}
	for i := 0; i < len(evs); i += 1000 {
		if _, err := b.PublishEvents(ctx, evs[i:min(i+1000, len(evs))]); err != nil {
			return err
		}
	}

	var results []result
	for _, batch := range o.batchSizes {
		for _, stored := range []int{0, o.messages} {
			res, err := measureOnCopy(ctx, admin, o, b, loaded, stored, batch, probes)
			if err != nil {
				return err
			}
			results = append(results, res)
			fmt.Printf("measured: %d stored, batch size %d: %d events in %s of store transactions\n",
				stored, batch, res.events, res.busy.Round(time.Millisecond))
		}
	}
	report(os.Stdout, o, probes, results)
	return explain(ctx, o, b, loaded)
}

func isClosed(status string) bool {
	return status == store.StatusAnswered || status == store.StatusClosed
}

// databaseURL is dsn naming another database.
func databaseURL(dsn, name string) (string, error) {
	if !strings.HasPrefix(dsn, "postgres://") && !strings.HasPrefix(dsn, "postgresql://") {
		return dsn + " dbname=" + name, nil
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", dsn, err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// The databases of a run are created and dropped by name; these statements
// manage databases, not the store's data, which only the store touches.
func databaseExists(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var ok bool
	err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok)
	return ok, err
}

func createDatabase(ctx context.Context, admin *pgx.Conn, name, template string) error {
	q := `CREATE DATABASE ` + pgx.Identifier{name}.Sanitize()
	if template != "" {
		// FILE_COPY copies the files instead of writing every page to
		// the WAL: seconds instead of minutes for a few GB.
		q += ` TEMPLATE ` + pgx.Identifier{template}.Sanitize() + ` STRATEGY FILE_COPY`
	}
	if _, err := admin.Exec(ctx, q); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

func dropDatabase(ctx context.Context, admin *pgx.Conn, name string) error {
	if _, err := admin.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

func openStore(ctx context.Context, o options, name string) (*postgres.Store, error) {
	dsn, err := databaseURL(o.dsn, name)
	if err != nil {
		return nil, err
	}
	st, err := postgres.Open(ctx, dsn, o.log)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

// ensureLoaded loads h into database name, unless it holds it already.
func ensureLoaded(ctx context.Context, admin *pgx.Conn, o options, name string, h *history) error {
	exists, err := databaseExists(ctx, admin, name)
	if err != nil {
		return err
	}
	if exists && o.reload {
		if err := dropDatabase(ctx, admin, name); err != nil {
			return err
		}
		exists = false
	}
	if !exists {
		if err := createDatabase(ctx, admin, name, ""); err != nil {
			return err
		}
	}
	st, err := openStore(ctx, o, name)
	if err != nil {
		return err
	}
	defer st.Close()
	if exists {
		s, err := st.Stats(ctx)
		if err != nil {
			return err
		}
		if s.Messages != int64(len(h.msgs)) || s.Cases != int64(len(h.cases)) {
			return fmt.Errorf("database %s holds %d messages in %d cases, not the %d in %d generated (an interrupted load?): run with -reload",
				name, s.Messages, s.Cases, len(h.msgs), len(h.cases))
		}
		fmt.Printf("load: database %s holds the history already (-reload loads it again)\n", name)
		return nil
	}
	return load(ctx, st, o, h, name)
}

// load writes the history in chunks while the next chunk is generated.
func load(ctx context.Context, st *postgres.Store, o options, h *history, name string) error {
	start := time.Now()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan postgres.History, 1)
	failed := make(chan error, 1)
	go func() {
		defer close(chunks)
		for lo := int64(1); lo <= int64(len(h.msgs)); lo += chunk {
			c, err := h.chunk(lo, min(lo+chunk, int64(len(h.msgs))+1), o.rules, o.deadlines)
			if err != nil {
				failed <- err
				return
			}
			select {
			case chunks <- c:
			case <-ctx.Done():
				return
			}
		}
	}()
	done, next := 0, len(h.msgs)/10
	for c := range chunks {
		if err := st.BulkLoad(ctx, c); err != nil {
			return err
		}
		done += len(c.Messages)
		if done >= next || done == len(h.msgs) {
			fmt.Printf("load: %d of %d messages after %s\n", done, len(h.msgs), time.Since(start).Round(time.Second))
			next += len(h.msgs) / 10
		}
	}
	select {
	case err := <-failed:
		return err
	default:
	}
	copied := time.Since(start)
	if err := st.BulkLoadDone(ctx); err != nil {
		return err
	}
	fmt.Printf("load: %d messages into %s in %s (COPY %s, VACUUM ANALYZE %s)\n", len(h.msgs), name,
		time.Since(start).Round(time.Second), copied.Round(time.Second), (time.Since(start) - copied).Round(time.Second))
	return nil
}

// result is one run: the records of its transactions.
type result struct {
	stored, batch int
	events        int
	busy          time.Duration // the store transactions' time, summed
	txs           []txRecord
}

// measureOnCopy runs the workload through the registry against a fresh
// copy of the loaded database (stored > 0) or an empty one, then drops it.
func measureOnCopy(ctx context.Context, admin *pgx.Conn, o options, b *bus.Bus, loaded string, stored, batch int, probes []probe) (result, error) {
	name := loaded + "_run"
	template := loaded
	if stored == 0 {
		name, template = "meldpunt_bench_grouping_empty", ""
	}
	if err := dropDatabase(ctx, admin, name); err != nil {
		return result{}, err
	}
	start := time.Now()
	if err := createDatabase(ctx, admin, name, template); err != nil {
		return result{}, err
	}
	defer dropDatabase(context.WithoutCancel(ctx), admin, name) //nolint:errcheck // a leftover is dropped by the next run
	if template != "" {
		fmt.Printf("copied %s in %s\n", template, time.Since(start).Round(time.Millisecond))
	}
	st, err := openStore(ctx, o, name)
	if err != nil {
		return result{}, err
	}
	defer st.Close()
	rec, err := feed(ctx, o, b, st, fmt.Sprintf("run-%d-%d", stored, batch), batch, len(probes), false)
	if err != nil {
		return result{}, err
	}
	res := result{stored: stored, batch: batch, txs: rec.records()}
	for _, t := range res.txs {
		res.events += len(t.events)
		res.busy += t.total
	}
	return res, nil
}

// feed runs a registry on st with a consumer of its own until it has
// committed want events.
func feed(ctx context.Context, o options, b *bus.Bus, st store.Store, durable string, batch, want int, rollback bool) (*recorder, error) {
	cons, err := b.Consumer(ctx, bus.ConsumerConfig{Durable: durable})
	if err != nil {
		return nil, err
	}
	rec := newRecorder(want, rollback)
	reg := registry.New(&timedStore{Store: st, rec: rec}, b, registry.Config{
		CasePrefix: "MP", Location: o.loc, BatchSize: batch, FetchWait: 200 * time.Millisecond,
		Routing: o.rules, Deadlines: o.deadlines,
	}, registry.NewMetrics(prometheus.NewRegistry()), o.log)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := make(chan error, 1)
	go func() { stopped <- reg.Run(runCtx, cons) }()
	progress, last := 0, time.Now()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-rec.done:
			cancel()
			<-stopped
			return rec, nil
		case err := <-stopped:
			return nil, errors.Join(errors.New("the registry stopped early"), err)
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-tick.C:
			rec.mu.Lock()
			n := rec.messages
			rec.mu.Unlock()
			if n != progress {
				progress, last = n, time.Now()
			} else if time.Since(last) > 2*time.Minute {
				return nil, fmt.Errorf("no progress for two minutes after %d of %d events (quarantined? see the log)", n, want)
			}
		}
	}
}
