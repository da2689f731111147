package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/cli"
	"github.com/meldpunt/meldpunt/internal/registry/store"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
)

// TestServeRefusesBadRules: a routing file that names an unknown
// department is refused at start, with its line.
func TestServeRefusesBadRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	rules := filepath.Join(dir, "routing.toml")
	if err := os.WriteFile(rules, []byte("[default]\ndepartment = \"onthaal\"\ntype = \"vraag\"\npriority = \"normaal\"\n\n"+
		"[[department]]\ncode = \"onthaal\"\nname = \"Onthaal\"\n\n[[rule]]\nname = \"afval\"\nkeywords = [\"afval\"]\ndepartment = \"milieudienst\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "registry.toml")
	if err := os.WriteFile(cfg, []byte("[cases]\nrouting_file = \""+rules+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	code := cli.Registry(context.Background(), []string{"-config", cfg, "serve"}, cli.Env{Stdout: &out, Stderr: &out,
		Getenv: func(k string) string { return map[string]string{"MELDPUNT_DATA_DIR": dir}[k] }})
	if code != 1 || !strings.Contains(out.String(), "routing.toml:13:") || !strings.Contains(out.String(), "milieudienst") {
		t.Errorf("exit %d: %s", code, out.String())
	}
}

// TestRerouteCommand: `registry reroute --since` applies the configured
// rules to the untouched cases of the configured store.
func TestRerouteCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "meldpunt.db"), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	tx, err := st.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := tx.CreateCases(ctx, []store.NewCase{{Prefix: "MP", Year: now.Year(), Domain: "gemeente", OpenedAt: now}})
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.InsertMessages(ctx, []*store.Message{{EventID: "ev-1", CaseID: refs[0].ID, Channel: "email", Domain: "gemeente",
		Inbox: "gemeentebestuur", ExternalID: "<x@y>", Subject: "Sluikstort", Text: "Er ligt een sluikstort aan de kerk.", EventTime: now, Event: []byte(`{}`)}}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	st.Close()
	rules, err := filepath.Abs("../../configs/routing.toml")
	if err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "registry.toml")
	if err := os.WriteFile(cfg, []byte("[cases]\nrouting_file = \""+rules+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out, errOut strings.Builder
	env := cli.Env{Stdout: &out, Stderr: &errOut, Getenv: func(k string) string { return map[string]string{"MELDPUNT_DATA_DIR": dir}[k] }}
	if code := cli.Registry(ctx, []string{"-config", cfg, "reroute", "--since", now.AddDate(0, 0, -1).Format(time.DateOnly)}, env); code != 0 ||
		!strings.Contains(out.String(), "1 cases routed again") {
		t.Errorf("exit %d: %s %s", code, out.String(), errOut.String())
	}
	if code := cli.Registry(ctx, []string{"-config", cfg, "reroute", "--since", "gisteren"}, env); code == 0 {
		t.Error("a bad date was accepted")
	}
}
