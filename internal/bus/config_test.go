package bus_test

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/bus"
)

func TestConfigValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		cfg     bus.Config
		wantErr []string // substrings; none means valid
	}{
		{name: "minimal", cfg: bus.Config{URL: "nats://127.0.0.1:4222"}},
		{name: "cluster", cfg: bus.Config{URL: "nats://a:4222, tls://b:4222,nats://c:4222", Replicas: 3}},
		{name: "full", cfg: bus.Config{
			URL: "tls://nats.example:4222", User: "meldpunt", Password: "geheim",
			CAFile: "ca.pem", CertFile: "c.pem", KeyFile: "k.pem",
			DuplicateWindow: 72 * time.Hour, StreamMaxAge: 90 * 24 * time.Hour,
		}},
		{name: "no url", cfg: bus.Config{}, wantErr: []string{"url is empty"}},
		{name: "bad scheme", cfg: bus.Config{URL: "http://x:4222"}, wantErr: []string{"scheme"}},
		{name: "empty entry", cfg: bus.Config{URL: "nats://a:4222,,nats://b:4222"}, wantErr: []string{"empty entry"}},
		{name: "password hidden", cfg: bus.Config{URL: "http://u:secret@x:4222"}, wantErr: []string{"xxxxx"}},
		{name: "duplicate window too short", cfg: bus.Config{URL: "nats://x", DuplicateWindow: 2 * time.Hour}, wantErr: []string{"duplicate window 2h0m0s"}},
		{name: "max age below window", cfg: bus.Config{URL: "nats://x", StreamMaxAge: 24 * time.Hour}, wantErr: []string{"shorter than the duplicate window"}},
		{name: "replicas", cfg: bus.Config{URL: "nats://x", Replicas: 7}, wantErr: []string{"replicas 7"}},
		{name: "two auth methods", cfg: bus.Config{URL: "nats://x", Token: "t", CredsFile: "c.creds"}, wantErr: []string{"choose one of token, creds file"}},
		{name: "password without user", cfg: bus.Config{URL: "nats://x", Password: "p"}, wantErr: []string{"password set without a user"}},
		{name: "cert without key", cfg: bus.Config{URL: "nats://x", CertFile: "c.pem"}, wantErr: []string{"cert file and key file"}},
		{name: "all at once", cfg: bus.Config{Replicas: -1, DuplicateWindow: time.Hour, CertFile: "c"}, wantErr: []string{
			"url is empty", "replicas -1", "duplicate window", "cert file",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate() = nil, want errors containing %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Validate() = %q, want it to contain %q", err, want)
				}
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("Validate() = %q shows a password", err)
			}
		})
	}
}

func TestCheckpointKey(t *testing.T) {
	t.Parallel()
	valid := regexp.MustCompile(`^[-/_=.a-zA-Z0-9]+$`)
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{name: "plain", parts: []string{"imap", "gemeentebestuur", "INBOX"}, want: "imap.gemeentebestuur.INBOX"},
		{name: "spaces and slashes", parts: []string{"imap", "Postvak IN/Klachten"}, want: "imap.Postvak=20IN=2FKlachten"},
		{name: "dots and equals", parts: []string{"a.b", "c=d"}, want: "a=2Eb.c=3Dd"},
		{name: "empty part", parts: []string{"facebook", ""}, want: "facebook.="},
		{name: "leading dot", parts: []string{".x."}, want: "=2Ex=2E"},
		{name: "utf-8", parts: []string{"é"}, want: "=C3=A9"},
		{name: "no parts", parts: nil, want: "="},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := bus.CheckpointKey(tt.parts...)
		if got != tt.want {
			t.Errorf("%s: CheckpointKey(%q) = %q, want %q", tt.name, tt.parts, got, tt.want)
		}
		if !valid.MatchString(got) || strings.HasPrefix(got, ".") || strings.HasSuffix(got, ".") || strings.Contains(got, "..") {
			t.Errorf("%s: CheckpointKey(%q) = %q is not a valid key", tt.name, tt.parts, got)
		}
		if prev, ok := seen[got]; ok {
			t.Errorf("%s: same key %q as %s", tt.name, got, prev)
		}
		seen[got] = tt.name
	}
}
