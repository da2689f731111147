// Command search measures how fast the registry's search answers when
// PostgreSQL holds many messages: it loads a generated history of
// -messages realistic Dutch messages (two years of a region's intake, both
// domains, with contacts, cases and attachments; see corpus.go) once into a
// database of its own, then runs a few hundred searches of the kinds staff
// make — a word, two words, a name, a reference, an e-mail address, a phone
// number, an attachment, with and without filters, in one domain or both —
// through store.Search, and prints their latency. With -plans it has
// PostgreSQL explain a few of them. See docs/benchmarks.md.
//
//	go run ./internal/registry/bench/search -messages 1000000
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "search bench:", err)
		os.Exit(1)
	}
}

const (
	seed = 11
	// chunk is how many messages one BulkLoadSearchCorpus call writes.
	chunk = 20_000
)

type options struct {
	messages int
	dsn      string
	reload   bool
	rounds   int
	plans    string
	log      *slog.Logger
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.messages, "messages", 1_000_000, "messages to search in")
	dsnDefault := os.Getenv("MELDPUNT_TEST_DATABASE_URL")
	if dsnDefault == "" {
		dsnDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	flag.StringVar(&o.dsn, "dsn", dsnDefault, "PostgreSQL server; the database meldpunt_search_bench_<messages> is created there (needs CREATEDB; -plans needs a superuser)")
	flag.BoolVar(&o.reload, "reload", false, "load the history again even if it is loaded")
	flag.IntVar(&o.rounds, "rounds", 3, "measured runs of the query set (after one to warm up)")
	flag.StringVar(&o.plans, "plans", os.TempDir()+"/meldpunt-search-plans.txt", "file to write query plans to (empty: none)")
	flag.Parse()
	o.log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	admin, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", o.dsn, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	name := fmt.Sprintf("meldpunt_search_bench_%d", o.messages)
	dsn, err := databaseURL(o.dsn, name)
	if err != nil {
		return err
	}
	c := newCorpus(seed, o.messages)
	if err := ensureLoaded(ctx, admin, o, name, dsn, c); err != nil {
		return err
	}
	st, err := postgres.Open(ctx, dsn, o.log)
	if err != nil {
		return err
	}
	defer st.Close()
	qs := c.queries(seed)
	results, err := measure(ctx, st, qs, o.rounds)
	if err != nil {
		return err
	}
	report(os.Stdout, o, results)
	if o.plans != "" {
		return explain(ctx, o, dsn, qs)
	}
	return nil
}

// ensureLoaded loads the history into database name unless it holds it;
// either way c has generated it, for the queries.
func ensureLoaded(ctx context.Context, admin *pgx.Conn, o options, name, dsn string, c *corpus) error {
	exists, err := databaseExists(ctx, admin, name)
	if err != nil {
		return err
	}
	if exists && o.reload {
		if _, err := admin.Exec(ctx, `DROP DATABASE `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		exists = false
	}
	if !exists {
		if _, err := admin.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
			return fmt.Errorf("create database %s: %w", name, err)
		}
	}
	st, err := postgres.Open(ctx, dsn, o.log)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	if exists {
		start := time.Now()
		for int(c.nextMessage) < c.total {
			c.chunk(chunk) // the same history, for the queries
		}
		s, err := st.Stats(ctx)
		if err != nil {
			return err
		}
		if s.Messages != c.nextMessage || s.Cases != c.nextCase {
			return fmt.Errorf("database %s holds %d messages in %d cases, not the %d in %d generated (an interrupted load?): run with -reload",
				name, s.Messages, s.Cases, c.nextMessage, c.nextCase)
		}
		fmt.Printf("load: database %s holds the history already (-reload loads it again); generated again in %s\n",
			name, time.Since(start).Round(time.Millisecond))
		return nil
	}
	start := time.Now()
	done, next := 0, o.messages/10
	for int(c.nextMessage) < c.total {
		k := c.chunk(chunk)
		if err := st.BulkLoadSearchCorpus(ctx, k); err != nil {
			return err
		}
		done += len(k.Messages)
		if done >= next {
			fmt.Printf("load: %d of %d messages after %s\n", done, o.messages, time.Since(start).Round(time.Second))
			next += o.messages / 10
		}
	}
	copied := time.Since(start)
	if err := st.RebuildSearchIndex(ctx); err != nil {
		return err
	}
	s, err := st.Stats(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("load: %d messages in %d cases of %d contacts into %s in %s (generate and COPY %s, index and VACUUM ANALYZE %s)\n",
		s.Messages, s.Cases, c.nextContact, name, time.Since(start).Round(time.Second), copied.Round(time.Second),
		(time.Since(start) - copied).Round(time.Second))
	return nil
}

// The database of the benchmark is created and dropped by name; these
// statements manage databases, not the store's data, which only the store
// touches.
func databaseExists(ctx context.Context, admin *pgx.Conn, name string) (bool, error) {
	var ok bool
	err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&ok)
	if err != nil {
		return false, fmt.Errorf("look for database %s: %w", name, err)
	}
	return ok, nil
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
