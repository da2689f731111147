package cli_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/cli"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
)

// TestPurgeCommand: `registry purge --dry-run` reports and changes nothing,
// `registry purge` purges the cases closed longer ago than [retention]
// allows, once.
func TestPurgeCommand(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	dir := t.TempDir()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "meldpunt.db"), slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	long := time.Now().AddDate(-7, 0, 0)
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	refs, err := tx.CreateCases(ctx, []store.NewCase{
		{Prefix: "MP", Year: long.Year(), Domain: "gemeente", Subject: "Lang geleden", OpenedAt: long},
		{Prefix: "MP", Year: long.Year(), Domain: "sociaalhuis", Subject: "Ook lang geleden", OpenedAt: long},
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range refs {
		if err := tx.InsertMessages(ctx, []*store.Message{{EventID: r.Ref, CaseID: r.ID, Channel: "email", Domain: []string{"gemeente", "sociaalhuis"}[i],
			SenderName: "Oscar", Text: "oud", EventTime: long, StoredAt: long, Event: []byte(`{}`)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.SetStatuses(ctx, []store.StatusChange{{CaseID: refs[0].ID, Status: store.StatusClosed, At: long.AddDate(0, 1, 0)},
		{CaseID: refs[1].ID, Status: store.StatusClosed, At: long.AddDate(0, 1, 0)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// The sociaalhuis keeps its data ten years here.
	config := filepath.Join(dir, "registry.toml")
	if err := os.WriteFile(config, []byte("[retention]\nsociaalhuis_years = 10\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		var out, errOut strings.Builder
		env := cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string {
			return map[string]string{"MELDPUNT_DATA_DIR": dir}[k]
		}}
		if code := cli.Registry(context.Background(), append([]string{"-config", config}, args...), env); code != 0 {
			t.Fatalf("registry %s: exit %d\n%s%s", strings.Join(args, " "), code, out.String(), errOut.String())
		}
		return out.String()
	}
	subject := func(ref string) string {
		d, err := st.GetCase(ctx, ref)
		if err != nil {
			t.Fatal(err)
		}
		return d.Subject
	}

	out := run("purge", "--dry-run")
	if !strings.Contains(out, "gemeente: cases closed before") || !strings.Contains(out, "would purge 1 cases, 1 messages") ||
		!strings.Contains(out, "sociaalhuis: cases closed before") || !strings.Contains(out, "(10 years): would purge 0 cases") ||
		!strings.Contains(out, "dry run: nothing was changed") {
		t.Errorf("purge --dry-run:\n%s", out)
	}
	if s := subject(refs[0].Ref); s != "Lang geleden" {
		t.Errorf("after the dry run the subject is %q", s)
	}
	out = run("purge")
	if !strings.Contains(out, "purged 1 cases, 1 messages") || strings.Contains(out, "dry run") {
		t.Errorf("purge:\n%s", out)
	}
	if s := subject(refs[0].Ref); s != store.Erased {
		t.Errorf("after the purge the gemeente subject is %q", s)
	}
	if s := subject(refs[1].Ref); s != "Ook lang geleden" {
		t.Errorf("after the purge the sociaalhuis subject is %q", s)
	}
	if out := run("purge"); !strings.Contains(out, "gemeente: cases closed before") || !strings.Contains(out, "purged 0 cases") {
		t.Errorf("purge again:\n%s", out)
	}
}
