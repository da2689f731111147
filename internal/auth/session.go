package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// SessionCookieName names the cookie that holds the session id.
const SessionCookieName = "meldpunt_session"

// touchEvery is how often a session in use records that it was seen: the
// idle timeout is exact to this.
const touchEvery = time.Minute

// purgeEvery is how often NewSession removes expired sessions.
const purgeEvery = time.Hour

// Session is a new browser session: the cookie value to set (the session
// id, shown this once and stored only hashed), the CSRF token of the
// session, and when it ends at the latest.
type Session struct {
	Value     string
	CSRF      string
	ExpiresAt time.Time
}

// NewSession starts a session for a user who just signed in (Login, or
// later OpenID Connect): a new random id every time, so an id an attacker
// planted before the login is worth nothing. Set the cookie with
// SetSessionCookie. store.ErrNotFound when there is no such user.
func (s *Service) NewSession(ctx context.Context, username string) (Session, error) {
	now := s.now()
	s.purgeExpired(ctx, now)
	ns := Session{Value: newSecret(), CSRF: newSecret(), ExpiresAt: now.Add(s.opts.SessionLifetime)}
	err := s.st.CreateSession(ctx, store.Session{
		IDHash:     hashSecret(ns.Value),
		Username:   NormalizeUsername(username),
		CSRF:       ns.CSRF,
		CreatedAt:  now,
		ExpiresAt:  ns.ExpiresAt,
		LastSeenAt: now,
	})
	if err != nil {
		return Session{}, fmt.Errorf("start session: %w", err)
	}
	return ns, nil
}

// purgeExpired removes expired sessions, at most once per purgeEvery. It
// is housekeeping: a failure is logged, and tried again at the next login.
func (s *Service) purgeExpired(ctx context.Context, now time.Time) {
	s.purgeMu.Lock()
	due := now.Sub(s.lastPurged) >= purgeEvery
	if due {
		s.lastPurged = now
	}
	s.purgeMu.Unlock()
	if !due {
		return
	}
	if _, err := s.st.DeleteExpiredSessions(ctx, now, now.Add(-s.opts.SessionIdle)); err != nil {
		s.log.Warn("delete expired sessions", "error", err)
		s.purgeMu.Lock()
		s.lastPurged = time.Time{}
		s.purgeMu.Unlock()
	}
}

// SessionPrincipal returns the Principal and the CSRF token of the session
// whose id is the cookie value. ErrUnauthenticated when the session is
// unknown, idle for longer than SessionIdle, past SessionLifetime, or its
// user is disabled or gone; any other error is the store's. Using a
// session keeps it from going idle.
func (s *Service) SessionPrincipal(ctx context.Context, cookieValue string) (Principal, string, error) {
	if !wellFormed(cookieValue) {
		return Principal{}, "", ErrUnauthenticated
	}
	idHash := hashSecret(cookieValue)
	ss, err := s.st.SessionByHash(ctx, idHash)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, "", ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, "", fmt.Errorf("find session: %w", err)
	}
	now := s.now()
	if !now.Before(ss.ExpiresAt) || now.Sub(ss.LastSeenAt) >= s.opts.SessionIdle {
		if err := s.st.DeleteSession(ctx, idHash); err != nil {
			s.log.Warn("delete expired session", "error", err)
		}
		return Principal{}, "", ErrUnauthenticated
	}
	u, err := s.st.GetUser(ctx, ss.Username)
	if errors.Is(err, store.ErrNotFound) {
		return Principal{}, "", ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, "", fmt.Errorf("find session user: %w", err)
	}
	if u.Disabled {
		return Principal{}, "", ErrUnauthenticated
	}
	if now.Sub(ss.LastSeenAt) >= touchEvery {
		if err := s.st.TouchSession(ctx, idHash, now); err != nil {
			s.log.Warn("touch session", "error", err)
		}
	}
	return UserPrincipal(u), ss.CSRF, nil
}

// Logout ends the session whose id is the cookie value; an unknown one is
// no error. Clear the cookie with ClearSessionCookie.
func (s *Service) Logout(ctx context.Context, cookieValue string) error {
	if !wellFormed(cookieValue) {
		return nil
	}
	if err := s.st.DeleteSession(ctx, hashSecret(cookieValue)); err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	return nil
}

// SetSessionCookie sets the session cookie: HttpOnly, SameSite=Lax,
// Path=/, Secure (unless Options.InsecureCookie), and without Expires, so
// the browser forgets it when it closes; the server ends it at
// ExpiresAt anyway.
func (s *Service) SetSessionCookie(w http.ResponseWriter, ns Session) {
	http.SetCookie(w, s.cookie(ns.Value, 0))
}

// ClearSessionCookie tells the browser to forget the session cookie.
func (s *Service) ClearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie("", -1))
}

func (s *Service) cookie(value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name:     SessionCookieName,
		Value:    value,
		Path:     "/",
		MaxAge:   maxAge,
		Secure:   !s.opts.InsecureCookie,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}
