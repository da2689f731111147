package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/cli"
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
