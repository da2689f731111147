package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/meldpunt/meldpunt/internal/config"
)

// TestSecretTokenSource: a token refreshed in its file by another program
// is used at the next login.
func TestSecretTokenSource(t *testing.T) {
	path := filepath.Join(t.TempDir(), "token")
	ts := secretTokenSource{secret: config.Secret{File: path}, getenv: func(string) string { return "" }}
	if _, err := ts.Token(); err == nil {
		t.Error("a missing token file gave a token")
	}
	for _, want := range []string{"ya29.first", "ya29.second"} {
		if err := os.WriteFile(path, []byte(want+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		tok, err := ts.Token()
		if err != nil || tok.AccessToken != want || tok.TokenType != "Bearer" {
			t.Errorf("token = %+v, %v; want %s", tok, err, want)
		}
	}
}
