package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
	"github.com/meldpunt/meldpunt/internal/registry/store/sqlite"
	"github.com/meldpunt/meldpunt/internal/web"
)

// TestLoginOffersOIDC: with sign-in through OpenID Connect configured, the
// login page links to it, keeping the page to return to.
func TestLoginOffersOIDC(t *testing.T) {
	t.Parallel()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "web.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	svc, err := auth.New(st, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	const link = `<a href="/aanmelden/oidc?next=%2fdossiers%3fstatus%3dnieuw">Aanmelden met je Microsoft-account</a>`
	for _, oidc := range []bool{false, true} {
		ui, err := web.New(web.Options{Store: st, Casework: casework.New(st, casework.Options{}), Auth: svc, OIDC: oidc})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		ui.Register(mux)
		rec := httptest.NewRecorder()
		mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, web.LoginPath+"?next=/dossiers%3Fstatus%3Dnieuw", nil))
		body, _ := io.ReadAll(rec.Result().Body)
		if rec.Code != http.StatusOK {
			t.Fatalf("OIDC %v: %d", oidc, rec.Code)
		}
		if got := strings.Contains(string(body), link); got != oidc {
			t.Errorf("OIDC %v: link shown %v\n%s", oidc, got, body)
		}
	}
}
