package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadRetention(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		toml    string
		want    Retention
		wantErr []string
	}{
		{name: "defaults", want: Retention{GemeenteYears: 5, SociaalhuisYears: 5, Hour: 3}},
		{name: "set", toml: "[retention]\ngemeente_years = 7\nsociaalhuis_years = 10\nhour = 0\n",
			want: Retention{GemeenteYears: 7, SociaalhuisYears: 10, Hour: 0}},
		{name: "out of range", toml: "[retention]\ngemeente_years = 0\nsociaalhuis_years = 101\nhour = 24\n",
			wantErr: []string{"retention.gemeente_years = 0", "retention.sociaalhuis_years = 101", "retention.hour = 24"}},
		{name: "unknown setting", toml: "[retention]\nstad_years = 3\n", wantErr: []string{"retention.stad_years"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := ""
			if tt.toml != "" {
				path = filepath.Join(t.TempDir(), "registry.toml")
				if err := os.WriteFile(path, []byte(tt.toml), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			cfg, err := Load(path, env(nil))
			if len(tt.wantErr) > 0 {
				for _, w := range tt.wantErr {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Errorf("Load = %v, want an error about %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Retention != tt.want {
				t.Errorf("retention = %+v, want %+v", cfg.Retention, tt.want)
			}
			if y := cfg.Retention.Years(); y["gemeente"] != tt.want.GemeenteYears || y["sociaalhuis"] != tt.want.SociaalhuisYears {
				t.Errorf("Years() = %v", y)
			}
		})
	}
}
