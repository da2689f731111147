package auth

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// NewToken is what makes an API token.
type NewToken struct {
	// Name tells the token apart from the owner's other tokens ("laptop",
	// "e-loket koppeling"): 1 to 100 characters.
	Name string
	// Username makes a user token, which acts as that user. Empty makes an
	// integration token, which needs Roles and Domains.
	Username string
	// Roles and Domains grant an integration token; on a user token they
	// narrow the user's grants (the token never gets more than its user).
	Roles      []string
	Domains    []string
	Department string
	// ExpiresAt ends the token; nil: it does not expire.
	ExpiresAt *time.Time
}

// CreateToken makes an API token and returns its secret, which is shown
// this once and never stored, and the token as stored. A user token needs
// an enabled user, and cannot hold a higher role or another domain than
// that user. store.ErrConflict when the owner has an active token with
// that name.
func (s *Service) CreateToken(ctx context.Context, nt NewToken) (string, store.Token, error) {
	t := store.Token{
		Name:       strings.TrimSpace(nt.Name),
		Username:   NormalizeUsername(nt.Username),
		Department: strings.TrimSpace(nt.Department),
		CreatedAt:  s.now(),
		ExpiresAt:  nt.ExpiresAt,
	}
	if t.Name == "" || utf8.RuneCountInString(t.Name) > 100 {
		return "", store.Token{}, fmt.Errorf("%w: a token name has 1 to 100 characters", ErrInvalid)
	}
	var err error
	if t.Roles, err = checkRoles(nt.Roles); err != nil {
		return "", store.Token{}, err
	}
	if t.Domains, err = checkDomains(nt.Domains); err != nil {
		return "", store.Token{}, err
	}
	if t.ExpiresAt != nil && !t.ExpiresAt.After(t.CreatedAt) {
		return "", store.Token{}, fmt.Errorf("%w: the token would expire at once", ErrInvalid)
	}
	if t.Username == "" {
		if len(t.Roles) == 0 || len(t.Domains) == 0 {
			return "", store.Token{}, fmt.Errorf("%w: an integration token needs a role and a domain", ErrInvalid)
		}
	} else {
		u, err := s.st.GetUser(ctx, t.Username)
		if err != nil {
			return "", store.Token{}, err
		}
		if u.Disabled {
			return "", store.Token{}, fmt.Errorf("%w: user %s is disabled", ErrInvalid, u.Username)
		}
		if maxRole(t.Roles).rank() > maxRole(u.Roles).rank() {
			return "", store.Token{}, fmt.Errorf("%w: user %s is no %s", ErrInvalid, u.Username, maxRole(t.Roles))
		}
		for _, d := range t.Domains {
			if !slices.Contains(u.Domains, d) {
				return "", store.Token{}, fmt.Errorf("%w: user %s may not see domain %s", ErrInvalid, u.Username, d)
			}
		}
	}
	secret := newToken()
	t.Hash = hashSecret(secret)
	if err := s.st.CreateToken(ctx, &t); err != nil {
		return "", store.Token{}, err
	}
	return secret, t, nil
}

// AuthenticateToken returns the Principal of an API token (as sent in
// "Authorization: Bearer <token>"). ErrUnauthenticated when the token is
// malformed, unknown, revoked or expired, or its user is disabled or gone;
// any other error is the store's.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Principal, error) {
	if _, ok := tokenSecret(token); !ok {
		return Principal{}, ErrUnauthenticated
	}
	now := s.now()
	t, err := s.st.TokenByHash(ctx, hashSecret(token), now)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, fmt.Errorf("authenticate token: %w", err)
	}
	if t.RevokedAt != nil || (t.ExpiresAt != nil && !now.Before(*t.ExpiresAt)) {
		return Principal{}, ErrUnauthenticated
	}
	var u store.User
	if t.Username != "" {
		u, err = s.st.GetUser(ctx, t.Username)
		if errors.Is(err, store.ErrNotFound) {
			return Principal{}, ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, fmt.Errorf("authenticate token: %w", err)
		}
		if u.Disabled {
			return Principal{}, ErrUnauthenticated
		}
	}
	return tokenPrincipal(t, u), nil
}

// ListTokens returns every token, revoked and expired ones included,
// oldest first. Hash is cleared: it is of no use outside this package.
func (s *Service) ListTokens(ctx context.Context) ([]store.Token, error) {
	ts, err := s.st.ListTokens(ctx)
	if err != nil {
		return nil, err
	}
	for i := range ts {
		ts[i].Hash = ""
	}
	return ts, nil
}

// RevokeToken revokes a token now; store.ErrNotFound when there is none
// with that id.
func (s *Service) RevokeToken(ctx context.Context, id int64) error {
	return s.st.RevokeToken(ctx, id, s.now())
}
