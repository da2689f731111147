package cli_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/registry"
	"github.com/meldpunt/meldpunt/internal/testutil/ci"
)

// TestSystemdUnits checks configs/systemd with systemd-analyze verify,
// against the real binaries, and that each unit starts its command with its
// configuration file the way the command parses it.
func TestSystemdUnits(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		ci.Missing(t, "systemd-analyze not found: install Debian's systemd package")
	}
	units, err := filepath.Glob("../../configs/systemd/*.service")
	if err != nil || len(units) != 4 {
		t.Fatalf("want the four units in configs/systemd, found %v (%v)", units, err)
	}
	dir := t.TempDir()
	for _, u := range units {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(u), "meldpunt-"), ".service")
		wantStart := "ExecStart=/usr/local/bin/" + name + " -config /etc/meldpunt/" + name + ".toml serve\n"
		if !strings.Contains(string(b), wantStart) {
			t.Errorf("%s: want %q", u, wantStart)
		}
		// Point the unit at the binaries just built.
		s := strings.ReplaceAll(string(b), "/usr/local/bin/"+name, binary(t, name))
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(u)), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.service"))
	out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, paths...)...).CombinedOutput()
	// Dependencies on units this machine lacks (postgresql, nats-server)
	// are not the units' fault.
	var problems []string
	for line := range strings.Lines(string(out)) {
		if strings.TrimSpace(line) == "" || strings.Contains(line, "nats-server.service") || strings.Contains(line, "postgresql.service") {
			continue
		}
		problems = append(problems, line)
	}
	if err != nil || len(problems) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, strings.Join(problems, ""))
	}
}

// TestAlertRules checks that every metric the example Prometheus alert
// rules use is one the processes export: a renamed metric would silently
// never fire.
func TestAlertRules(t *testing.T) {
	rules, err := os.ReadFile("../../configs/prometheus/meldpunt-alerts.yml")
	if err != nil {
		t.Fatal(err)
	}
	// What the processes export: the registry's and each connector's
	// metrics in-process (vectors touched so that they show), and the
	// case deadline gauges of a running `registry serve`.
	var names []string
	gather := func(g prometheus.Gatherer) {
		mfs, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			names = append(names, mf.GetName())
		}
	}
	reg := prometheus.NewRegistry()
	rm := registry.NewMetrics(reg)
	rm.Events.WithLabelValues(registry.OutcomeQuarantined).Inc()
	gather(reg)
	for _, c := range []string{"mail", "facebook", "eloket"} {
		m := ingest.NewMetrics(c)
		m.Captured.WithLabelValues("x")
		m.Published.WithLabelValues("x", "new")
		m.Errors.WithLabelValues("x")
		m.LastSuccess.WithLabelValues("x")
		m.Checkpoint.WithLabelValues("x")
		m.Healthy.WithLabelValues("x")
		gather(m.Registry)
	}
	c := startChild(t, "registry", t.TempDir(), map[string]string{
		"MELDPUNT_NATS_LISTEN": "127.0.0.1:0",
		"MELDPUNT_HTTP_ADDR":   "127.0.0.1:0",
	}, "serve")
	code, body, err := getURL(context.Background(), "http://"+c.waitHTTP()+"/metrics")
	if err != nil || code != 200 {
		t.Fatalf("GET /metrics = %d, %v", code, err)
	}
	for _, m := range regexp.MustCompile(`(?m)^# TYPE (\S+)`).FindAllStringSubmatch(body, -1) {
		names = append(names, m[1])
	}
	c.stop()

	exported := func(match func(string) bool) bool {
		for _, n := range names {
			if match(n) {
				return true
			}
		}
		return false
	}
	checked := 0
	for _, expr := range regexp.MustCompile(`(?s)expr: (\|\n.*?\n\s+for:|[^\n]*)`).FindAllString(string(rules), -1) {
		for _, m := range regexp.MustCompile(`__name__=~"([^"]+)"`).FindAllStringSubmatch(expr, -1) {
			re := regexp.MustCompile("^(?:" + m[1] + ")$")
			checked++
			if !exported(re.MatchString) {
				t.Errorf("alert rules match %s, which no process exports", m[1])
			}
		}
		noRegex := regexp.MustCompile(`__name__=~"[^"]+"`).ReplaceAllString(expr, "")
		for _, n := range regexp.MustCompile(`\bmeldpunt_[a-z_]+\b`).FindAllString(noRegex, -1) {
			checked++
			if !exported(func(s string) bool { return s == n }) {
				t.Errorf("alert rules use %s, which no process exports", n)
			}
		}
	}
	if checked < 7 {
		t.Errorf("checked only %d metric references; the rules file changed shape?", checked)
	}
}
