package auth_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/auth"
	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func TestLogin(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		svc := newService(t, st, newClock(), auth.Options{})
		addUser(t, svc, "an.peeters", auth.RoleBehandelaar, auth.DomainSociaalhuis, auth.DomainGemeente)
		addUser(t, svc, "uit", auth.RoleOnthaal, auth.DomainGemeente)
		if err := svc.DisableUser(t.Context(), "uit"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddUser(t.Context(), store.User{Username: "oidc", Roles: []string{"onthaal"}}, ""); err != nil {
			t.Fatal(err)
		}

		p, err := svc.Login(t.Context(), " AN.Peeters ", password, "192.0.2.1")
		if err != nil {
			t.Fatalf("Login: %v", err)
		}
		want := auth.Principal{Username: "an.peeters", DisplayName: "Naam van an.peeters", Kind: auth.KindUser,
			Roles: []auth.Role{auth.RoleBehandelaar}, Domains: []string{"gemeente", "sociaalhuis"}}
		if !reflect.DeepEqual(p, want) {
			t.Errorf("Login = %+v, want %+v", p, want)
		}
		for _, tc := range []struct {
			name, username, password string
			want                     error
		}{
			{"wrong password", "an.peeters", password + "!", auth.ErrInvalidCredentials},
			{"unknown user", "niemand", password, auth.ErrInvalidCredentials},
			{"no local password", "oidc", "", auth.ErrInvalidCredentials},
			{"disabled, right password", "uit", password, auth.ErrAccountDisabled},
			{"disabled, wrong password", "uit", "fout", auth.ErrInvalidCredentials},
			{"too long", "an.peeters", strings.Repeat("x", 2000), auth.ErrInvalidCredentials},
		} {
			if _, err := svc.Login(t.Context(), tc.username, tc.password, "192.0.2.2"); !errors.Is(err, tc.want) {
				t.Errorf("%s: Login error %v, want %v", tc.name, err, tc.want)
			}
		}
	})
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		c := newClock()
		svc := newService(t, st, c, auth.Options{LoginFailures: 3, AddressFailures: 5, LoginWindow: 15 * time.Minute})
		addUser(t, svc, "an", auth.RoleOnthaal, auth.DomainGemeente)
		addUser(t, svc, "bert", auth.RoleOnthaal, auth.DomainGemeente)

		for i := range 3 {
			if _, err := svc.Login(t.Context(), "an", "fout", "192.0.2.1"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("failure %d: %v", i, err)
			}
			c.Advance(time.Minute)
		}
		// Now even the right password is refused, from any address.
		_, err := svc.Login(t.Context(), "an", password, "198.51.100.7")
		var rl *auth.RateLimitError
		if !errors.As(err, &rl) || !errors.Is(err, auth.ErrRateLimited) || rl.RetryAfter != 12*time.Minute {
			t.Fatalf("Login after 3 failures: %v, want a RateLimitError to wait 12m", err)
		}
		// Other users are not affected.
		if _, err := svc.Login(t.Context(), "bert", password, "198.51.100.7"); err != nil {
			t.Errorf("Login of another user: %v", err)
		}
		c.Advance(12 * time.Minute)
		if _, err := svc.Login(t.Context(), "an", password, "198.51.100.7"); err != nil {
			t.Errorf("Login once the window passed: %v", err)
		}
		// A success forgets the user's failures.
		for range 2 {
			svc.Login(t.Context(), "an", "fout", "198.51.100.7") //nolint:errcheck
		}
		if _, err := svc.Login(t.Context(), "an", password, "198.51.100.7"); err != nil {
			t.Errorf("Login after 2 failures: %v", err)
		}

		// One network guessing many usernames: five failures ...
		c.Advance(time.Hour)
		for i := range 5 {
			if _, err := svc.Login(t.Context(), "gok"+string(rune('a'+i)), "fout", "2001:db8:1:2::1"); !errors.Is(err, auth.ErrInvalidCredentials) {
				t.Fatalf("guess %d: %v", i, err)
			}
		}
		// ... blocks the address (and its /64) for every user.
		if _, err := svc.Login(t.Context(), "bert", password, "2001:db8:1:2::99"); !errors.Is(err, auth.ErrRateLimited) {
			t.Errorf("Login from a blocked network: %v, want ErrRateLimited", err)
		}
		if _, err := svc.Login(t.Context(), "bert", password, "2001:db8:1:3::1"); err != nil {
			t.Errorf("Login from another network: %v", err)
		}
	})
}

func TestLoginUpgradesHash(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		c := newClock()
		old := newService(t, st, c, auth.Options{Password: auth.Params{Memory: 32, Time: 1, Threads: 1}})
		addUser(t, old, "an", auth.RoleOnthaal)
		svc := newService(t, st, c, auth.Options{})
		if _, err := svc.Login(t.Context(), "an", password, "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		u, err := st.GetUser(t.Context(), "an")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(u.PasswordHash, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Errorf("hash after login %q, want the new parameters", u.PasswordHash)
		}
		if _, err := svc.Login(t.Context(), "an", password, "192.0.2.1"); err != nil {
			t.Errorf("Login with the new hash: %v", err)
		}
	})
}

func TestAddUser(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		svc := newService(t, st, newClock(), auth.Options{})
		u, err := svc.AddUser(t.Context(), store.User{Username: "An.Peeters@Gemeente.be", DisplayName: " An ",
			Roles: []string{"beheerder", "onthaal", "beheerder"}, Domains: []string{"sociaalhuis", "gemeente"}}, "")
		if err != nil {
			t.Fatal(err)
		}
		got, err := svc.GetUser(t.Context(), "an.peeters@gemeente.be")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, u) || got.DisplayName != "An" || !reflect.DeepEqual(got.Roles, []string{"beheerder", "onthaal"}) ||
			!reflect.DeepEqual(got.Domains, []string{"gemeente", "sociaalhuis"}) {
			t.Errorf("stored %+v, AddUser returned %+v", got, u)
		}
		for _, tc := range []struct {
			name     string
			u        store.User
			password string
			want     error
		}{
			{"taken", store.User{Username: "AN.PEETERS@gemeente.be", Roles: []string{"onthaal"}}, "", store.ErrConflict},
			{"no username", store.User{Roles: []string{"onthaal"}}, "", auth.ErrInvalid},
			{"space in username", store.User{Username: "an peeters", Roles: []string{"onthaal"}}, "", auth.ErrInvalid},
			{"starts with a dot", store.User{Username: ".an", Roles: []string{"onthaal"}}, "", auth.ErrInvalid},
			{"no role", store.User{Username: "x"}, "", auth.ErrInvalid},
			{"unknown role", store.User{Username: "x", Roles: []string{"admin"}}, "", auth.ErrInvalid},
			{"unknown domain", store.User{Username: "x", Roles: []string{"onthaal"}, Domains: []string{"ocmw"}}, "", auth.ErrInvalid},
			{"short password", store.User{Username: "x", Roles: []string{"onthaal"}}, "kort", auth.ErrInvalid},
		} {
			if _, err := svc.AddUser(t.Context(), tc.u, tc.password); !errors.Is(err, tc.want) {
				t.Errorf("%s: AddUser error %v, want %v", tc.name, err, tc.want)
			}
		}
		if err := svc.SetPassword(t.Context(), "niemand", password); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("SetPassword(niemand): %v, want ErrNotFound", err)
		}
		if err := svc.DisableUser(t.Context(), "niemand"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("DisableUser(niemand): %v, want ErrNotFound", err)
		}
	})
}

func TestTokens(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		c := newClock()
		svc := newService(t, st, c, auth.Options{})
		addUser(t, svc, "an", auth.RoleBeheerder, auth.DomainGemeente, auth.DomainSociaalhuis)
		addUser(t, svc, "bert", auth.RoleOnthaal, auth.DomainGemeente)

		expires := c.Now().Add(24 * time.Hour)
		integrationSecret, integration, err := svc.CreateToken(ctx, auth.NewToken{Name: "e-loket", Roles: []string{"onthaal"},
			Domains: []string{"gemeente"}, Department: "onthaal", ExpiresAt: &expires})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(integrationSecret, auth.TokenPrefix) || integration.ID == 0 {
			t.Fatalf("CreateToken = %q, %+v", integrationSecret, integration)
		}
		userSecret, userToken, err := svc.CreateToken(ctx, auth.NewToken{Name: "laptop", Username: "AN"})
		if err != nil {
			t.Fatal(err)
		}
		narrowSecret, narrow, err := svc.CreateToken(ctx, auth.NewToken{Name: "rapport", Username: "an",
			Roles: []string{"onthaal"}, Domains: []string{"gemeente"}})
		if err != nil {
			t.Fatal(err)
		}
		bertSecret, _, err := svc.CreateToken(ctx, auth.NewToken{Name: "laptop", Username: "bert"})
		if err != nil {
			t.Fatal(err)
		}

		for _, tc := range []struct {
			name   string
			secret string
			want   auth.Principal
		}{
			{"integration", integrationSecret, auth.Principal{DisplayName: "e-loket", Kind: auth.KindIntegration,
				Roles: []auth.Role{auth.RoleOnthaal}, Domains: []string{"gemeente"}, Department: "onthaal", TokenID: integration.ID}},
			{"user", userSecret, auth.Principal{Username: "an", DisplayName: "Naam van an", Kind: auth.KindUser,
				Roles: []auth.Role{auth.RoleBeheerder}, Domains: []string{"gemeente", "sociaalhuis"}, TokenID: userToken.ID}},
			{"narrowed", narrowSecret, auth.Principal{Username: "an", DisplayName: "Naam van an", Kind: auth.KindUser,
				Roles: []auth.Role{auth.RoleOnthaal}, Domains: []string{"gemeente"}, TokenID: narrow.ID}},
		} {
			p, err := svc.AuthenticateToken(ctx, tc.secret)
			if err != nil || !reflect.DeepEqual(p, tc.want) {
				t.Errorf("%s: AuthenticateToken = %+v, %v; want %+v", tc.name, p, err, tc.want)
			}
		}
		if p, _ := svc.AuthenticateToken(ctx, narrowSecret); p.HasRole(auth.RoleBehandelaar) || p.CanSeeDomain(auth.DomainSociaalhuis) {
			t.Errorf("narrowed token grants more than it says: %+v", p)
		}

		for _, tc := range []struct {
			name string
			nt   auth.NewToken
			want error
		}{
			{"same name", auth.NewToken{Name: "laptop", Username: "an"}, store.ErrConflict},
			{"no name", auth.NewToken{Username: "an"}, auth.ErrInvalid},
			{"unknown user", auth.NewToken{Name: "x", Username: "niemand"}, store.ErrNotFound},
			{"higher role than the user", auth.NewToken{Name: "x", Username: "bert", Roles: []string{"behandelaar"}}, auth.ErrInvalid},
			{"other domain than the user", auth.NewToken{Name: "x", Username: "bert", Domains: []string{"sociaalhuis"}}, auth.ErrInvalid},
			{"integration without role", auth.NewToken{Name: "x", Domains: []string{"gemeente"}}, auth.ErrInvalid},
			{"integration without domain", auth.NewToken{Name: "x", Roles: []string{"onthaal"}}, auth.ErrInvalid},
			{"unknown role", auth.NewToken{Name: "x", Roles: []string{"root"}, Domains: []string{"gemeente"}}, auth.ErrInvalid},
			{"expired", auth.NewToken{Name: "x", Username: "an", ExpiresAt: ptr(c.Now())}, auth.ErrInvalid},
		} {
			if _, _, err := svc.CreateToken(ctx, tc.nt); !errors.Is(err, tc.want) {
				t.Errorf("%s: CreateToken error %v, want %v", tc.name, err, tc.want)
			}
		}

		tokens, err := svc.ListTokens(ctx)
		if err != nil || len(tokens) != 4 {
			t.Fatalf("ListTokens = %d, %v", len(tokens), err)
		}
		for _, tok := range tokens {
			if tok.Hash != "" {
				t.Errorf("ListTokens shows the hash of %s", tok.Name)
			}
		}
		if tokens[0].LastUsedAt == nil || !tokens[0].LastUsedAt.Equal(c.Now()) {
			t.Errorf("LastUsedAt of the used token = %v, want %v", tokens[0].LastUsedAt, c.Now())
		}

		unauthenticated := func(what, secret string) {
			t.Helper()
			if p, err := svc.AuthenticateToken(ctx, secret); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("%s: AuthenticateToken = %+v, %v; want ErrUnauthenticated", what, p, err)
			}
		}
		unauthenticated("malformed", "mpt_kort")
		unauthenticated("unknown", auth.TokenPrefix+strings.Repeat("A", 43))
		unauthenticated("no prefix", strings.TrimPrefix(userSecret, auth.TokenPrefix))

		if err := svc.RevokeToken(ctx, userToken.ID); err != nil {
			t.Fatal(err)
		}
		unauthenticated("revoked", userSecret)
		if err := svc.RevokeToken(ctx, 99999); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("RevokeToken(unknown): %v", err)
		}
		if err := svc.DisableUser(ctx, "bert"); err != nil {
			t.Fatal(err)
		}
		unauthenticated("disabled user", bertSecret)
		if _, _, err := svc.CreateToken(ctx, auth.NewToken{Name: "x", Username: "bert"}); !errors.Is(err, auth.ErrInvalid) {
			t.Errorf("CreateToken for a disabled user: %v", err)
		}
		c.Advance(24 * time.Hour)
		unauthenticated("expired", integrationSecret)
		if _, err := svc.AuthenticateToken(ctx, narrowSecret); err != nil {
			t.Errorf("token without expiry a day later: %v", err)
		}
	})
}

func ptr[T any](v T) *T { return &v }

func TestSessions(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		ctx := t.Context()
		c := newClock()
		svc := newService(t, st, c, auth.Options{SessionIdle: time.Hour, SessionLifetime: 10 * time.Hour})
		addUser(t, svc, "an", auth.RoleBehandelaar, auth.DomainGemeente)

		start := func() auth.Session {
			t.Helper()
			ns, err := svc.NewSession(ctx, "an")
			if err != nil {
				t.Fatalf("NewSession: %v", err)
			}
			return ns
		}
		valid := func(what string, ns auth.Session) {
			t.Helper()
			p, csrf, err := svc.SessionPrincipal(ctx, ns.Value)
			if err != nil || p.Username != "an" || csrf != ns.CSRF {
				t.Errorf("%s: SessionPrincipal = %+v, %q, %v", what, p, csrf, err)
			}
		}
		invalid := func(what string, value string) {
			t.Helper()
			if p, _, err := svc.SessionPrincipal(ctx, value); !errors.Is(err, auth.ErrUnauthenticated) {
				t.Errorf("%s: SessionPrincipal = %+v, %v; want ErrUnauthenticated", what, p, err)
			}
		}

		a, b := start(), start()
		if a.Value == b.Value || a.CSRF == b.CSRF || a.Value == a.CSRF || !a.ExpiresAt.Equal(c.Now().Add(10*time.Hour)) {
			t.Errorf("sessions %+v and %+v: ids and CSRF tokens must differ", a, b)
		}
		valid("new session", a)
		invalid("malformed", "abc")
		invalid("unknown", strings.Repeat("A", 43))

		// Used every 50 minutes, a stays; b, unused, goes idle.
		for range 3 {
			c.Advance(50 * time.Minute)
			valid("session in use", a)
		}
		invalid("idle session", b.Value)
		// However active, a session ends after SessionLifetime.
		for c.Now().Before(a.ExpiresAt.Add(-50 * time.Minute)) {
			c.Advance(50 * time.Minute)
			valid("session in use", a)
		}
		c.Advance(50 * time.Minute)
		invalid("session past its lifetime", a.Value)

		d := start()
		if err := svc.Logout(ctx, d.Value); err != nil {
			t.Fatal(err)
		}
		invalid("after logout", d.Value)
		if err := svc.Logout(ctx, d.Value); err != nil {
			t.Errorf("Logout twice: %v", err)
		}

		e := start()
		if err := svc.SetPassword(ctx, "an", "een ander lang wachtwoord"); err != nil {
			t.Fatal(err)
		}
		invalid("after a password change", e.Value)

		f := start()
		if err := svc.DisableUser(ctx, "an"); err != nil {
			t.Fatal(err)
		}
		invalid("disabled user", f.Value)
		if _, err := svc.NewSession(ctx, "niemand"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("NewSession(niemand): %v, want ErrNotFound", err)
		}
	})
}

// TestLoginRateLimitedInParallel: attempts sent at once cannot slip past
// the limit between checking it and recording their failure.
func TestLoginRateLimitedInParallel(t *testing.T) {
	t.Parallel()
	forEachStore(t, func(t *testing.T, st store.Store) {
		svc := newService(t, st, newClock(), auth.Options{LoginFailures: 5})
		addUser(t, svc, "an", auth.RoleOnthaal)
		errs := make(chan error, 20)
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Go(func() {
				_, err := svc.Login(t.Context(), "an", "fout", fmt.Sprint("192.0.2.", i))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		checked := 0
		for err := range errs {
			switch {
			case errors.Is(err, auth.ErrInvalidCredentials):
				checked++
			case !errors.Is(err, auth.ErrRateLimited):
				t.Errorf("Login: %v", err)
			}
		}
		if checked != 5 {
			t.Errorf("%d passwords checked, want 5", checked)
		}
	})
}
