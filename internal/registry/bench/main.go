// Command bench measures the registry's throughput against PostgreSQL and,
// in the same run, its ceiling: the same message rows written straight into
// PostgreSQL with the fastest pgx bulk upsert (COPY into a temporary table,
// then INSERT ... ON CONFLICT DO NOTHING). It prints both, the ratio and the
// registry process's peak memory (VmHWM). See docs/benchmarks.md.
//
//	go build -o bin/ ./cmd/registry && go run ./internal/registry/bench -registry bin/registry
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meldpunt/meldpunt/internal/bus"
	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/postgres"
	"github.com/meldpunt/meldpunt/internal/testutil/eventgen"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

type options struct {
	events    int
	textSize  int
	batchSize int
	registry  string
	dsn       string
	keep      bool
}

func run(ctx context.Context) error {
	var o options
	flag.IntVar(&o.events, "events", 20000, "events to publish")
	flag.IntVar(&o.textSize, "text-size", 1500, "message text bytes (1500 gives events of about 2 KB)")
	flag.IntVar(&o.batchSize, "batch-size", 500, "registry consumer batch size")
	flag.StringVar(&o.registry, "registry", "bin/registry", "the registry binary to measure")
	dsnDefault := os.Getenv("MELDPUNT_TEST_DATABASE_URL")
	if dsnDefault == "" {
		dsnDefault = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	flag.StringVar(&o.dsn, "dsn", dsnDefault, "PostgreSQL server (a schema is created and dropped)")
	flag.BoolVar(&o.keep, "keep", false, "keep the benchmark schemas")
	flag.Parse()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	gen := eventgen.New(eventgen.Options{Seed: 7, TextSize: o.textSize})
	evs := make([]caseevent.Event, o.events)
	var totalBytes int
	for i := range evs {
		evs[i] = gen.Event(i)
		b, err := evs[i].Marshal()
		if err != nil {
			return err
		}
		totalBytes += len(b)
	}
	fmt.Printf("workload: %d events, %.0f bytes each on average\n", o.events, float64(totalBytes)/float64(o.events))

	// Ceilings first: the same rows, straight into PostgreSQL.
	ceiling, err := measureCeiling(ctx, o, evs, log, false)
	if err != nil {
		return fmt.Errorf("ceiling: %w", err)
	}
	allRows, err := measureCeiling(ctx, o, evs, log, true)
	if err != nil {
		return fmt.Errorf("all-rows ceiling: %w", err)
	}
	reg, peakKB, err := measureRegistry(ctx, o, evs, log)
	if err != nil {
		return fmt.Errorf("registry: %w", err)
	}
	fmt.Printf("ceiling, message rows only (COPY + INSERT ON CONFLICT, batches of 1000): %8.0f events/s\n", ceiling)
	fmt.Printf("ceiling, every row the registry writes (contact, case, message, timeline): %8.0f events/s\n", allRows)
	fmt.Printf("registry (NATS -> registry -> PostgreSQL):                                 %8.0f events/s\n", reg)
	fmt.Printf("ratio: %.0f%% of the message-rows ceiling, %.0f%% of the all-rows ceiling; registry peak RSS: %.1f MiB\n",
		100*reg/ceiling, 100*reg/allRows, float64(peakKB)/1024)
	return nil
}

// schema creates a fresh schema and returns a DSN using it and a drop func.
func schema(ctx context.Context, o options, name string) (string, func(), error) {
	conn, err := pgx.Connect(ctx, o.dsn)
	if err != nil {
		return "", nil, fmt.Errorf("connect %s: %w", o.dsn, err)
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	s := "bench_" + name + "_" + hex.EncodeToString(b[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+s); err != nil {
		conn.Close(ctx)
		return "", nil, err
	}
	u, err := url.Parse(o.dsn)
	if err != nil {
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", s)
	u.RawQuery = q.Encode()
	drop := func() {
		if !o.keep {
			_, _ = conn.Exec(context.Background(), "DROP SCHEMA "+s+" CASCADE")
		}
		conn.Close(context.Background())
	}
	return u.String(), drop, nil
}

func measureCeiling(ctx context.Context, o options, evs []caseevent.Event, log *slog.Logger, allRows bool) (float64, error) {
	dsn, drop, err := schema(ctx, o, "ceiling")
	if err != nil {
		return 0, err
	}
	defer drop()
	st, err := postgres.Open(ctx, dsn, log)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return 0, err
	}
	rows := make([]*store.Message, len(evs))
	for i := range evs {
		raw, err := json.Marshal(evs[i])
		if err != nil {
			return 0, err
		}
		rows[i] = registry.MessageFromEvent(&evs[i], raw, time.Now())
	}
	start := time.Now()
	var n int64
	for i := 0; i < len(rows); i += 1000 {
		batch := rows[i:min(i+1000, len(rows))]
		var k int64
		if allRows {
			k, err = st.BulkInsertCaseRows(ctx, batch, "MP", 2026)
		} else {
			k, err = st.BulkInsertMessages(ctx, batch)
		}
		if err != nil {
			return 0, err
		}
		n += k
	}
	elapsed := time.Since(start)
	if n != int64(len(rows)) {
		return 0, fmt.Errorf("inserted %d rows, want %d", n, len(rows))
	}
	return float64(n) / elapsed.Seconds(), nil
}

func measureRegistry(ctx context.Context, o options, evs []caseevent.Event, log *slog.Logger) (float64, int64, error) {
	dsn, drop, err := schema(ctx, o, "registry")
	if err != nil {
		return 0, 0, err
	}
	defer drop()
	natsDir, err := os.MkdirTemp("", "meldpunt-bench-nats-")
	if err != nil {
		return 0, 0, err
	}
	defer os.RemoveAll(natsDir)
	emb, err := bus.StartEmbedded(ctx, bus.EmbeddedConfig{Host: "127.0.0.1", Port: -1, StoreDir: natsDir}, log)
	if err != nil {
		return 0, 0, err
	}
	defer emb.Shutdown()
	b, err := bus.Connect(ctx, bus.Config{URL: emb.ClientURL(), Name: "bench"}, log)
	if err != nil {
		return 0, 0, err
	}
	defer b.Close()
	if err := b.Ensure(ctx); err != nil {
		return 0, 0, err
	}
	for i := 0; i < len(evs); i += 1000 {
		if _, err := b.PublishEvents(ctx, evs[i:min(i+1000, len(evs))]); err != nil {
			return 0, 0, err
		}
	}
	st, err := postgres.Open(ctx, dsn, log)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return 0, 0, err
	}

	cfgPath := natsDir + "/registry.toml"
	cfg := fmt.Sprintf("[consumer]\nbatch_size = %d\n[log]\nlevel = \"warn\"\n", o.batchSize)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		return 0, 0, err
	}
	cmd := exec.CommandContext(ctx, o.registry, "-config", cfgPath, "serve")
	cmd.Env = append(os.Environ(),
		"MELDPUNT_NATS_URL="+emb.ClientURL(),
		"MELDPUNT_DATABASE_URL="+dsn,
		"MELDPUNT_HTTP_ADDR=127.0.0.1:0",
	)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return 0, 0, err
	}
	if err := cmd.Start(); err != nil {
		return 0, 0, fmt.Errorf("start %s: %w", o.registry, err)
	}
	go func() { _, _ = io.Copy(os.Stderr, bufio.NewReader(stderr)) }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()

	var t0 time.Time
	var c0 int64
	want := int64(len(evs))
	for {
		s, err := st.Stats(ctx)
		if err != nil {
			return 0, 0, err
		}
		if t0.IsZero() && s.Messages > 0 {
			t0, c0 = time.Now(), s.Messages
		}
		if s.Messages >= want {
			elapsed := time.Since(t0)
			peak, err := peakRSS(cmd.Process.Pid)
			if err != nil {
				return 0, 0, err
			}
			return float64(want-c0) / elapsed.Seconds(), peak, nil
		}
		if cmd.ProcessState != nil {
			return 0, 0, errors.New("registry exited")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// peakRSS reads a process's peak resident set size in KiB.
func peakRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			var kb int64
			_, err := fmt.Sscan(strings.TrimSuffix(strings.TrimSpace(v), " kB"), &kb)
			return kb, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}
