package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadExampleConfig(t *testing.T) {
	t.Parallel()
	cfg, err := Load("../../configs/registry.toml", env(nil))
	if err != nil {
		t.Fatalf("example config does not load: %v", err)
	}
	if cfg.Cases.Prefix != "MP" || cfg.NATS.DuplicateWindow != 48*time.Hour || cfg.Consumer.BatchSize != 500 {
		t.Errorf("unexpected values from the example: %+v", cfg)
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		toml    string
		env     map[string]string
		check   func(t *testing.T, c Registry)
		wantErr []string
	}{
		{
			name: "defaults",
			check: func(t *testing.T, c Registry) {
				if c.HTTP.Addr != "127.0.0.1:8080" || c.NATS.URL != "" || c.SQLitePath() != "./var/meldpunt.db" || c.NATSStoreDir() != "./var/nats" {
					t.Errorf("defaults: %+v", c)
				}
			},
		},
		{
			name: "environment wins over the file",
			toml: "[http]\naddr = \"0.0.0.0:9000\"\n[nats]\nurl = \"nats://file:4222\"\n",
			env: map[string]string{EnvHTTPAddr: "127.0.0.1:9999", EnvNATSURL: "nats://env:4222",
				EnvDatabaseURL: "postgres://u@db/meldpunt", EnvDataDir: "/srv/meldpunt"},
			check: func(t *testing.T, c Registry) {
				if c.HTTP.Addr != "127.0.0.1:9999" || c.NATS.URL != "nats://env:4222" || c.Database.URL != "postgres://u@db/meldpunt" {
					t.Errorf("env not applied: %+v", c)
				}
				if c.SQLitePath() != "/srv/meldpunt/meldpunt.db" {
					t.Errorf("data dir not applied: %s", c.SQLitePath())
				}
			},
		},
		{
			name: "trusted proxies",
			toml: "[http]\ntrusted_proxies = [\"127.0.0.1\", \"10.0.0.0/8\", \"::1\"]\n",
			check: func(t *testing.T, c Registry) {
				got := c.HTTP.TrustedProxyPrefixes()
				if len(got) != 3 || got[0].String() != "127.0.0.1/32" || got[1].String() != "10.0.0.0/8" || got[2].String() != "::1/128" {
					t.Errorf("trusted proxies %v", got)
				}
			},
		},
		{
			name:    "a trusted proxy that is no address",
			toml:    "[http]\ntrusted_proxies = [\"proxy.gemeente.be\"]\n",
			wantErr: []string{"http.trusted_proxies"},
		},
		{
			name:    "every problem is reported at once",
			toml:    "[nats]\nreplicas = 0\nduplicate_window = \"1h\"\n[cases]\nprefix = \"mp-\"\n[consumer]\nbatch_size = 0\n[log]\nlevel = \"loud\"\n",
			wantErr: []string{"nats.replicas", "nats.duplicate_window", "cases.prefix", "consumer.batch_size", "log.level"},
		},
		{
			name:    "unknown settings are refused",
			toml:    "[http]\naddress = \"x\"\n",
			wantErr: []string{"unknown settings: http.address"},
		},
		{
			name:    "syntax errors name the line",
			toml:    "[http]\naddr = \n",
			wantErr: []string{"line 2"},
		},
		{
			name:    "not a postgres url",
			env:     map[string]string{EnvDatabaseURL: "mysql://x"},
			wantErr: []string{"database.url"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tt.toml != "" {
				path = filepath.Join(t.TempDir(), "c.toml")
				if err := os.WriteFile(path, []byte(tt.toml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := Load(path, env(tt.env))
			if len(tt.wantErr) > 0 {
				if err == nil {
					t.Fatalf("want error containing %q, got none", tt.wantErr)
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, cfg)
		})
	}
}

func TestSecret(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	file := filepath.Join(dir, "pw")
	if err := os.WriteFile(file, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(dir, "empty")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	getenv := env(map[string]string{"PW": "fromenv"})
	tests := []struct {
		name    string
		s       Secret
		want    string
		wantErr bool
	}{
		{name: "unset", s: Secret{}, want: ""},
		{name: "file, newline trimmed", s: Secret{File: file}, want: "s3cret"},
		{name: "env", s: Secret{Env: "PW"}, want: "fromenv"},
		{name: "missing env", s: Secret{Env: "NOPE"}, wantErr: true},
		{name: "empty file", s: Secret{File: empty}, wantErr: true},
		{name: "missing file", s: Secret{File: filepath.Join(dir, "none")}, wantErr: true},
		{name: "both", s: Secret{File: file, Env: "PW"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.s.Resolve(getenv)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestLoadMailExample(t *testing.T) {
	t.Parallel()
	cfg, err := LoadMail("../../configs/ingest-mail.toml", env(map[string]string{EnvNATSURL: "nats://127.0.0.1:4222"}), true)
	if err != nil {
		t.Fatalf("example config does not load: %v", err)
	}
	if len(cfg.Mailboxes) != 2 || cfg.Mailboxes[1].Port != 143 || cfg.Mailboxes[0].SentFolders[0] != "Verzonden items" {
		t.Errorf("unexpected values: %+v", cfg.Mailboxes)
	}
}

func TestLoadMailProblems(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "m.toml")
	toml := "[[mailbox]]\ninbox = \"Bad Name\"\ndomain = \"stad\"\nsecurity = \"ssl\"\nafter = \"move\"\n[mailbox.auth]\nmethod = \"xoauth2\"\n"
	if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadMail(path, env(nil), true)
	if err == nil {
		t.Fatal("want errors")
	}
	for _, w := range []string{"nats.url", "inbox \"Bad Name\"", "domain \"stad\"", "host is required", "security \"ssl\"", "needs move_to", "auth.username", "xoauth2 needs"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q:\n%v", w, err)
		}
	}
	if _, err := LoadMail("", env(map[string]string{EnvNATSURL: "nats://x:4222"}), true); err == nil || !strings.Contains(err.Error(), "no [[mailbox]]") {
		t.Errorf("no mailboxes: %v", err)
	}
	if _, err := LoadMail("", env(map[string]string{EnvNATSURL: "nats://x:4222"}), false); err != nil {
		t.Errorf("import needs no mailboxes: %v", err)
	}
}

func TestLoadFacebookExample(t *testing.T) {
	t.Parallel()
	cfg, err := LoadFacebook("../../configs/ingest-facebook.toml", env(map[string]string{EnvNATSURL: "nats://127.0.0.1:4222"}))
	if err != nil {
		t.Fatalf("example config does not load: %v", err)
	}
	if len(cfg.Pages) != 1 || cfg.APIVersion != "v21.0" || cfg.Webhook.Path != "/webhook" {
		t.Errorf("unexpected values: %+v", cfg)
	}
	if _, err := LoadFacebook("", env(nil)); err == nil || !strings.Contains(err.Error(), "app_id") || !strings.Contains(err.Error(), "no [[page]]") {
		t.Errorf("empty configuration: %v", err)
	}
}

func TestLoadEloketExample(t *testing.T) {
	t.Parallel()
	cfg, err := LoadEloket("../../configs/ingest-eloket.toml", env(map[string]string{EnvNATSURL: "nats://127.0.0.1:4222"}))
	if err != nil {
		t.Fatalf("example config does not load: %v", err)
	}
	if len(cfg.Sources) != 3 || cfg.Sources[0].Open311.Format != "json" || cfg.Sources[1].JSON.Map["id"] != "id" || cfg.Sources[2].Webhook.Path != "/webhook/eloket-hook" {
		t.Errorf("unexpected values: %+v", cfg.Sources)
	}
	path := filepath.Join(t.TempDir(), "e.toml")
	if err := os.WriteFile(path, []byte("[[source]]\ninbox = \"x\"\ndomain = \"stad\"\nprofile = \"soap\"\n[[source]]\ninbox = \"y\"\ndomain = \"gemeente\"\nprofile = \"webhook\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadEloket(path, env(map[string]string{EnvNATSURL: "nats://x:4222"}))
	for _, w := range []string{"domain \"stad\"", "profile \"soap\"", "webhook needs a secret", "webhook.mapping is required"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("error does not mention %q: %v", w, err)
		}
	}
}
