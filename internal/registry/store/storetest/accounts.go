package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

func wantConflict(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrConflict) {
		t.Errorf("%s: error %v, want store.ErrConflict", what, err)
	}
}

func createUser(t *testing.T, s store.Store, u store.User) {
	t.Helper()
	if err := s.CreateUser(ctx(t), u); err != nil {
		t.Fatalf("CreateUser(%s): %v", u.Username, err)
	}
}

func testAccountsUsers(t *testing.T, s store.Store) {
	an := store.User{
		Username:     "an.peeters",
		DisplayName:  "An Peeters",
		Email:        "an.peeters@gemeente.be",
		PasswordHash: "$argon2id$v=19$m=65536,t=2,p=2$c2FsdA$aGFzaA",
		Roles:        []string{"behandelaar"},
		Domains:      []string{"gemeente", "sociaalhuis"},
		Department:   "burgerzaken",
		CreatedAt:    at(0),
		UpdatedAt:    at(1),
	}
	createUser(t, s, an)
	// Zero times become now; no grants read back as empty lists.
	before := time.Now().Add(-time.Second)
	createUser(t, s, store.User{Username: "beheer"})

	got, err := s.GetUser(ctx(t), an.Username)
	if err != nil {
		t.Fatalf("GetUser: %v", err)
	}
	want := an
	want.CreatedAt, want.UpdatedAt = stored(an.CreatedAt), stored(an.UpdatedAt)
	diff(t, "GetUser", got, want)

	beheer, err := s.GetUser(ctx(t), "beheer")
	if err != nil {
		t.Fatalf("GetUser(beheer): %v", err)
	}
	if beheer.Roles == nil || beheer.Domains == nil || len(beheer.Roles)+len(beheer.Domains) != 0 {
		t.Errorf("user without grants: roles %#v, domains %#v; want empty, not nil", beheer.Roles, beheer.Domains)
	}
	if beheer.CreatedAt.Before(before) || !beheer.UpdatedAt.Equal(beheer.CreatedAt) || beheer.CreatedAt.Location() != time.UTC {
		t.Errorf("zero times: created %v, updated %v; want now, in UTC", beheer.CreatedAt, beheer.UpdatedAt)
	}

	wantConflict(t, "CreateUser twice", s.CreateUser(ctx(t), store.User{Username: an.Username}))
	if err := s.CreateUser(ctx(t), store.User{}); err == nil {
		t.Error("CreateUser without username: no error")
	}
	_, err = s.GetUser(ctx(t), "niemand")
	wantNotFound(t, "GetUser(niemand)", err)

	// UpdateUser changes the grants, not the password or CreatedAt.
	upd := store.User{Username: an.Username, DisplayName: "An Peeters-Janssens", Email: "an@gemeente.be",
		PasswordHash: "ignored", Roles: []string{"beheerder"}, Domains: []string{"gemeente"},
		Department: "", Disabled: true, CreatedAt: at(50), UpdatedAt: at(5)}
	if err := s.UpdateUser(ctx(t), upd); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	want = upd
	want.PasswordHash, want.CreatedAt, want.UpdatedAt = an.PasswordHash, stored(an.CreatedAt), stored(at(5))
	if got, err := s.GetUser(ctx(t), an.Username); err != nil {
		t.Fatalf("GetUser after update: %v", err)
	} else {
		diff(t, "GetUser after update", got, want)
	}
	wantNotFound(t, "UpdateUser(niemand)", s.UpdateUser(ctx(t), store.User{Username: "niemand"}))

	if err := s.SetPassword(ctx(t), an.Username, "$argon2id$new", at(6)); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	want.PasswordHash, want.UpdatedAt = "$argon2id$new", stored(at(6))
	if got, err := s.GetUser(ctx(t), an.Username); err != nil {
		t.Fatalf("GetUser after SetPassword: %v", err)
	} else {
		diff(t, "GetUser after SetPassword", got, want)
	}
	wantNotFound(t, "SetPassword(niemand)", s.SetPassword(ctx(t), "niemand", "x", at(6)))

	createUser(t, s, store.User{Username: "a.aerts", CreatedAt: at(0)})
	users, err := s.ListUsers(ctx(t))
	if err != nil {
		t.Fatalf("ListUsers: %v", err)
	}
	var names []string
	for _, u := range users {
		names = append(names, u.Username)
	}
	diff(t, "ListUsers", names, []string{"a.aerts", an.Username, "beheer"})
	diff(t, "ListUsers an", users[1], want)
}

func testAccountsTokens(t *testing.T, s store.Store) {
	createUser(t, s, store.User{Username: "an", Roles: []string{"behandelaar"}, Domains: []string{"gemeente"}, CreatedAt: at(0)})
	createUser(t, s, store.User{Username: "bert", CreatedAt: at(0)})

	userToken := store.Token{Name: "laptop", Username: "an", Hash: sum([]byte("secret 1")), CreatedAt: at(1),
		ExpiresAt: ptr(at(60 * 24 * 90))}
	integration := store.Token{Name: "e-loket", Roles: []string{"onthaal"}, Domains: []string{"gemeente", "sociaalhuis"},
		Department: "onthaal", Hash: sum([]byte("secret 2")), CreatedAt: at(2)}
	for _, tok := range []*store.Token{&userToken, &integration} {
		if err := s.CreateToken(ctx(t), tok); err != nil {
			t.Fatalf("CreateToken(%s): %v", tok.Name, err)
		}
	}
	if userToken.ID == 0 || integration.ID <= userToken.ID {
		t.Errorf("token ids %d, %d: want growing, not 0", userToken.ID, integration.ID)
	}
	asStored := func(tok store.Token) store.Token {
		tok.CreatedAt, tok.LastUsedAt, tok.RevokedAt, tok.ExpiresAt =
			stored(tok.CreatedAt), storedPtr(tok.LastUsedAt), storedPtr(tok.RevokedAt), storedPtr(tok.ExpiresAt)
		if tok.Roles == nil {
			tok.Roles = []string{}
		}
		if tok.Domains == nil {
			tok.Domains = []string{}
		}
		return tok
	}
	tokens, err := s.ListTokens(ctx(t))
	if err != nil {
		t.Fatalf("ListTokens: %v", err)
	}
	diff(t, "ListTokens", tokens, []store.Token{asStored(userToken), asStored(integration)})

	// Names are unique among the active tokens of a user, and among
	// integrations; hashes are unique.
	for _, tc := range []struct {
		name string
		tok  store.Token
	}{
		{"same user, same name", store.Token{Name: "laptop", Username: "an", Hash: sum([]byte("secret 3"))}},
		{"integration, same name", store.Token{Name: "e-loket", Hash: sum([]byte("secret 4"))}},
		{"same hash", store.Token{Name: "other", Hash: userToken.Hash}},
	} {
		wantConflict(t, "CreateToken: "+tc.name, s.CreateToken(ctx(t), &tc.tok))
	}
	for _, tok := range []store.Token{
		{Name: "laptop", Username: "bert", Hash: sum([]byte("secret 5"))},
		{Name: "laptop", Hash: sum([]byte("secret 6"))}, // an integration
	} {
		if err := s.CreateToken(ctx(t), &tok); err != nil {
			t.Errorf("CreateToken(%q of %q): %v", tok.Name, tok.Username, err)
		}
	}
	err = s.CreateToken(ctx(t), &store.Token{Name: "x", Username: "niemand", Hash: sum([]byte("secret 7"))})
	wantNotFound(t, "CreateToken for an unknown user", err)
	if err := s.CreateToken(ctx(t), &store.Token{Name: "", Hash: sum([]byte("secret 8"))}); err == nil {
		t.Error("CreateToken without name: no error")
	}

	// TokenByHash records the use, at most once a minute.
	now := at(10)
	got, err := s.TokenByHash(ctx(t), userToken.Hash, now)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	want := asStored(userToken)
	want.LastUsedAt = storedPtr(&now)
	diff(t, "TokenByHash", got, want)
	for _, later := range []time.Time{now.Add(30 * time.Second), now.Add(59 * time.Second)} {
		got, err = s.TokenByHash(ctx(t), userToken.Hash, later)
		if err != nil {
			t.Fatalf("TokenByHash: %v", err)
		}
		diff(t, "TokenByHash within the minute", got, want)
	}
	later := now.Add(61 * time.Second)
	got, err = s.TokenByHash(ctx(t), userToken.Hash, later)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	want.LastUsedAt = storedPtr(&later)
	diff(t, "TokenByHash a minute later", got, want)
	_, err = s.TokenByHash(ctx(t), sum([]byte("unknown")), now)
	wantNotFound(t, "TokenByHash(unknown)", err)

	// Revoking keeps the first time, frees the name, and stops recording
	// use.
	if err := s.RevokeToken(ctx(t), userToken.ID, at(20)); err != nil {
		t.Fatalf("RevokeToken: %v", err)
	}
	if err := s.RevokeToken(ctx(t), userToken.ID, at(30)); err != nil {
		t.Fatalf("RevokeToken again: %v", err)
	}
	wantNotFound(t, "RevokeToken(unknown)", s.RevokeToken(ctx(t), 1_000_000, at(20)))
	want.RevokedAt = storedPtr(ptr(at(20)))
	got, err = s.TokenByHash(ctx(t), userToken.Hash, at(40))
	if err != nil {
		t.Fatalf("TokenByHash of a revoked token: %v", err)
	}
	diff(t, "TokenByHash of a revoked token", got, want)
	again := store.Token{Name: "laptop", Username: "an", Hash: sum([]byte("secret 9"))}
	if err := s.CreateToken(ctx(t), &again); err != nil {
		t.Errorf("CreateToken with the name of a revoked token: %v", err)
	}
	tokens, err = s.ListTokens(ctx(t))
	if err != nil || len(tokens) != 5 {
		t.Fatalf("ListTokens = %d tokens, %v; want 5", len(tokens), err)
	}
	diff(t, "ListTokens: revoked token", tokens[0], want)

	// Clients using one token at once.
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		wg.Go(func() {
			_, err := s.TokenByHash(ctx(t), integration.Hash, at(100+i))
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent TokenByHash: %v", err)
		}
	}
}

func testAccountsSessions(t *testing.T, s store.Store) {
	createUser(t, s, store.User{Username: "an", CreatedAt: at(0)})
	createUser(t, s, store.User{Username: "bert", CreatedAt: at(0)})
	session := func(i int, user string) store.Session {
		ss := store.Session{IDHash: sum(fmt.Append(nil, "session ", i)), Username: user, CSRF: fmt.Sprint("csrf-", i),
			CreatedAt: at(i), ExpiresAt: at(600), LastSeenAt: at(i)}
		if i == 2 {
			ss.ExpiresAt = at(25)
		}
		return ss
	}
	for i, user := range []string{"an", "an", "bert", "bert"} {
		if err := s.CreateSession(ctx(t), session(i, user)); err != nil {
			t.Fatalf("CreateSession %d: %v", i, err)
		}
	}
	wantConflict(t, "CreateSession twice", s.CreateSession(ctx(t), session(0, "an")))
	wantNotFound(t, "CreateSession of an unknown user", s.CreateSession(ctx(t), session(9, "niemand")))

	asStored := func(ss store.Session) store.Session {
		ss.CreatedAt, ss.ExpiresAt, ss.LastSeenAt = stored(ss.CreatedAt), stored(ss.ExpiresAt), stored(ss.LastSeenAt)
		return ss
	}
	get := func(i int) (store.Session, error) { return s.SessionByHash(ctx(t), session(i, "").IDHash) }
	got, err := get(0)
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	diff(t, "SessionByHash", got, asStored(session(0, "an")))
	_, err = get(9)
	wantNotFound(t, "SessionByHash(unknown)", err)

	if err := s.TouchSession(ctx(t), session(0, "").IDHash, at(30)); err != nil {
		t.Fatalf("TouchSession: %v", err)
	}
	want := session(0, "an")
	want.LastSeenAt = at(30)
	if got, err := get(0); err != nil {
		t.Fatalf("SessionByHash after touch: %v", err)
	} else {
		diff(t, "SessionByHash after touch", got, asStored(want))
	}
	if err := s.TouchSession(ctx(t), session(9, "").IDHash, at(30)); err != nil {
		t.Errorf("TouchSession(unknown): %v", err)
	}

	// Expired at(25): session 1, idle since at(1), and session 2, past its
	// end.
	if err := s.TouchSession(ctx(t), session(3, "").IDHash, at(30)); err != nil {
		t.Fatal(err)
	}
	n, err := s.DeleteExpiredSessions(ctx(t), at(25), at(20))
	if err != nil || n != 2 {
		t.Errorf("DeleteExpiredSessions = %d, %v; want 2", n, err)
	}
	for i, alive := range []bool{true, false, false, true} {
		_, err := get(i)
		if alive && err != nil {
			t.Errorf("session %d: %v, want kept", i, err)
		}
		if !alive {
			wantNotFound(t, fmt.Sprint("session ", i, " after DeleteExpiredSessions"), err)
		}
	}

	if err := s.DeleteSession(ctx(t), session(0, "").IDHash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = get(0)
	wantNotFound(t, "SessionByHash after DeleteSession", err)
	if err := s.DeleteSession(ctx(t), session(0, "").IDHash); err != nil {
		t.Errorf("DeleteSession again: %v", err)
	}

	for i := 4; i < 7; i++ {
		if err := s.CreateSession(ctx(t), session(i, "an")); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteUserSessions(ctx(t), "an"); err != nil || n != 3 {
		t.Errorf("DeleteUserSessions(an) = %d, %v; want 3", n, err)
	}
	if _, err := get(3); err != nil {
		t.Errorf("bert's session after DeleteUserSessions(an): %v", err)
	}
	if n, err := s.DeleteUserSessions(ctx(t), "niemand"); err != nil || n != 0 {
		t.Errorf("DeleteUserSessions(niemand) = %d, %v; want 0", n, err)
	}
}
