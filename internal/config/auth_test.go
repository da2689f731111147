package config

import (
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const entraOIDC = `
[auth.oidc]
issuer = "https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0"
client_id = "6731de76-14a6-49ae-97bc-6eba6914391e"
client_secret = { env = "MELDPUNT_OIDC_SECRET" }
redirect_url = "https://meldpunt.gemeente.be/aanmelden/oidc/callback"

[auth.oidc.roles]
"Meldpunt.Onthaal" = "onthaal"
"Meldpunt.Behandelaar" = "behandelaar"
"Meldpunt.Beheerder" = "beheerder"

[auth.oidc.domains]
"Meldpunt.Gemeente" = "gemeente"
"Meldpunt.Sociaalhuis" = "sociaalhuis"
5f1c2b7e-9a43-4d1e-8c6b-2a7d0e3f9b11 = "sociaalhuis"
`

func TestLoadAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		toml    string
		check   func(t *testing.T, o OIDC)
		wantErr []string
	}{
		{
			name: "off by default",
			check: func(t *testing.T, o OIDC) {
				if o.Enabled() || o.UsernameClaim != "preferred_username" || !slices.Equal(o.Scopes, []string{"openid", "profile", "email"}) {
					t.Errorf("defaults: %+v", o)
				}
			},
		},
		{
			name: "Entra ID",
			toml: entraOIDC,
			check: func(t *testing.T, o OIDC) {
				if !o.Enabled() || o.ClientSecret.Env != "MELDPUNT_OIDC_SECRET" || o.UsernameClaim != "preferred_username" {
					t.Errorf("oidc: %+v", o)
				}
				if got := slices.Sorted(maps.Keys(o.Roles)); !slices.Equal(got, []string{"Meldpunt.Behandelaar", "Meldpunt.Beheerder", "Meldpunt.Onthaal"}) {
					t.Errorf("roles %v", got)
				}
				if o.Domains["5f1c2b7e-9a43-4d1e-8c6b-2a7d0e3f9b11"] != "sociaalhuis" || o.Domains["Meldpunt.Gemeente"] != "gemeente" {
					t.Errorf("domains %v", o.Domains)
				}
			},
		},
		{
			name:    "departments without a department claim",
			toml:    entraOIDC + "\n[auth.oidc.departments]\n\"Dienst Wegen\" = \"wegen\"\n",
			wantErr: []string{"departments needs department_claim"},
		},
		{
			name: "scopes and username claim set",
			toml: strings.Replace(entraOIDC, "redirect_url", "scopes = [\"openid\", \"profile\"]\nusername_claim = \"upn\"\ndepartment_claim = \"department\"\nredirect_url", 1),
			check: func(t *testing.T, o OIDC) {
				if !slices.Equal(o.Scopes, []string{"openid", "profile"}) || o.UsernameClaim != "upn" || o.DepartmentClaim != "department" {
					t.Errorf("oidc: %+v", o)
				}
			},
		},
		{
			name:    "settings without an issuer",
			toml:    "[auth.oidc]\nclient_id = \"x\"\n",
			wantErr: []string{"auth.oidc.issuer is required"},
		},
		{
			name: "every problem at once",
			toml: `
[auth.oidc]
issuer = "http://login.example.com/tenant/v2.0"
client_secret = { file = "/run/secret", env = "SECRET" }
redirect_url = "https://meldpunt.gemeente.be/callback"
scopes = ["profile"]
username_claim = " "
[auth.oidc.roles]
"Meldpunt.Admin" = "admin"
[auth.oidc.domains]
"Meldpunt.Stad" = "stad"
`,
			wantErr: []string{
				`auth.oidc.issuer "http://login.example.com/tenant/v2.0": want an https:// URL`,
				"auth.oidc.client_id is required",
				"auth.oidc.client_secret: set either file or env",
				`auth.oidc.redirect_url "https://meldpunt.gemeente.be/callback": want https://<host>/aanmelden/oidc/callback`,
				"auth.oidc.scopes",
				"auth.oidc.username_claim must not be empty",
				`auth.oidc.roles."Meldpunt.Admin" = "admin": unknown role`,
				`auth.oidc.domains."Meldpunt.Stad" = "stad": unknown domain`,
			},
		},
		{
			name:    "no roles and no secret",
			toml:    "[auth.oidc]\nissuer = \"https://idp.example\"\nclient_id = \"x\"\nredirect_url = \"https://meldpunt.gemeente.be/aanmelden/oidc/callback\"\n",
			wantErr: []string{"auth.oidc.client_secret is required", "auth.oidc.roles: map at least one claim value"},
		},
		{
			name: "http on the local machine",
			toml: strings.NewReplacer("https://login.microsoftonline.com", "http://127.0.0.1:9000", "https://meldpunt.gemeente.be", "http://localhost:8080").Replace(entraOIDC),
			check: func(t *testing.T, o OIDC) {
				if o.RedirectURL != "http://localhost:8080/aanmelden/oidc/callback" {
					t.Errorf("redirect_url %s", o.RedirectURL)
				}
			},
		},
		{
			name:    "a claim value with a dot must be quoted",
			toml:    "[auth.oidc.roles]\nMeldpunt.Onthaal = \"onthaal\"\n",
			wantErr: []string{"auth.oidc.roles.Meldpunt"},
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
			cfg, err := Load(path, env(nil))
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
			tt.check(t, cfg.Auth.OIDC)
		})
	}
}

// TestExampleOIDC checks that the commented [auth.oidc] example of
// configs/registry.toml is valid once uncommented.
func TestExampleOIDC(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../configs/registry.toml")
	if err != nil {
		t.Fatal(err)
	}
	_, example, ok := strings.Cut(string(b), "# [auth.oidc]\n")
	if !ok {
		t.Fatal("configs/registry.toml has no [auth.oidc] example")
	}
	var toml strings.Builder
	toml.WriteString("[auth.oidc]\n")
	setting := regexp.MustCompile(`^# (\[|"|[a-z_]+ = )`)
	for line := range strings.Lines(example) {
		if setting.MatchString(line) {
			toml.WriteString(strings.TrimPrefix(line, "# "))
		}
	}
	path := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(path, []byte(toml.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(path, env(nil))
	if err != nil {
		t.Fatalf("the example does not load: %v\n%s", err, toml.String())
	}
	o := cfg.Auth.OIDC
	if !o.Enabled() || len(o.Roles) != 3 || len(o.Domains) != 3 || o.Departments["Dienst Wegen en Groen"] != "wegen" {
		t.Errorf("example: %+v", o)
	}
}
