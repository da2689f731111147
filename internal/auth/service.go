package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

var (
	// ErrUnauthenticated: the token or session is unknown, revoked,
	// expired, or its user is disabled. Handlers answer 401 (API) or send
	// the browser to the login page.
	ErrUnauthenticated = errors.New("not authenticated")
	// ErrInvalidCredentials: the username or password is wrong (which of
	// the two is not told), or the user has no local password.
	ErrInvalidCredentials = errors.New("invalid username or password")
	// ErrAccountDisabled: the password was right but the user is disabled.
	ErrAccountDisabled = errors.New("account is disabled")
	// ErrRateLimited: too many failed logins for this username or client
	// address; the error is a *RateLimitError that says how long to wait.
	ErrRateLimited = errors.New("too many failed logins")
	// ErrInvalid wraps what is wrong with a username, role, domain,
	// password or token name given to the Service.
	ErrInvalid = errors.New("invalid")
)

// RateLimitError is the error of a refused login.
type RateLimitError struct {
	RetryAfter time.Duration
}

func (e *RateLimitError) Error() string {
	return fmt.Sprintf("%v: try again in %v", ErrRateLimited, e.RetryAfter.Round(time.Second))
}

func (e *RateLimitError) Is(target error) bool { return target == ErrRateLimited }

// Options tune a Service. Zero values mean the defaults named.
type Options struct {
	// Password are the argon2id parameters of new hashes (DefaultParams).
	// A stored hash with other parameters is made again at the next login.
	Password Params
	// MaxConcurrentHashes bounds the password hashes computed at once, as
	// each holds Password.Memory (4, so 256 MiB with the defaults). More
	// logins wait.
	MaxConcurrentHashes int
	// SessionIdle ends a session not used for this long (1 hour).
	SessionIdle time.Duration
	// SessionLifetime ends a session this long after login, however
	// active (12 hours: a working day).
	SessionLifetime time.Duration
	// LoginFailures failed logins for one username within LoginWindow
	// refuse further attempts for it (5 in 15 minutes).
	LoginFailures int
	LoginWindow   time.Duration
	// AddressFailures failed logins from one client address (an IPv6 /64)
	// within LoginWindow refuse further attempts from it (30: offices sit
	// behind one address).
	AddressFailures int
	// InsecureCookie leaves Secure off the session cookie, for a UI
	// served over plain HTTP on localhost (the embedded default). Never
	// set it for a server others reach.
	InsecureCookie bool
	// Now is the clock (time.Now); tests set it.
	Now func() time.Time
	// Log receives what goes wrong on the side (touching sessions,
	// upgrading hashes). Nil: discard.
	Log *slog.Logger
}

// Service signs users in and tells who makes a request. It is safe for
// concurrent use; the login rate limiter lives in it, so make one per
// process and share it.
type Service struct {
	st      store.Accounts
	opts    Options
	log     *slog.Logger
	limiter *limiter
	hashing chan struct{} // a slot per concurrent hash

	dummyOnce sync.Once
	dummy     string // a hash to check unknown users' passwords against

	purgeMu    sync.Mutex
	lastPurged time.Time
}

// New returns a Service over the accounts in st. It fails only for
// Options.Password that argon2id cannot use or that cost too much.
func New(st store.Accounts, opts Options) (*Service, error) {
	if opts.Password == (Params{}) {
		opts.Password = DefaultParams()
	}
	if err := opts.Password.check(); err != nil {
		return nil, fmt.Errorf("password parameters: %w", err)
	}
	if opts.MaxConcurrentHashes <= 0 {
		opts.MaxConcurrentHashes = 4
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = time.Hour
	}
	if opts.SessionLifetime <= 0 {
		opts.SessionLifetime = 12 * time.Hour
	}
	if opts.LoginFailures <= 0 {
		opts.LoginFailures = 5
	}
	if opts.AddressFailures <= 0 {
		opts.AddressFailures = 30
	}
	if opts.LoginWindow <= 0 {
		opts.LoginWindow = 15 * time.Minute
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{
		st:      st,
		opts:    opts,
		log:     log,
		limiter: newLimiter(opts.LoginWindow, 100_000),
		hashing: make(chan struct{}, opts.MaxConcurrentHashes),
	}, nil
}

func (s *Service) now() time.Time { return s.opts.Now().UTC() }

// NormalizeUsername is the form in which usernames are stored and
// compared: trimmed and lower-case (e-mail addresses and Entra ID user
// principal names are case-insensitive).
func NormalizeUsername(username string) string {
	return strings.ToLower(strings.TrimSpace(username))
}

// checkUsername accepts 1 to 64 characters of a-z, 0-9 and . _ @ -,
// starting with a letter or digit: names that are safe in URLs, logs and
// timelines.
func checkUsername(u string) error {
	if u == "" || len(u) > 64 {
		return fmt.Errorf("%w: a username has 1 to 64 characters", ErrInvalid)
	}
	for i, r := range u {
		ok := r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || i > 0 && strings.ContainsRune("._@-", r)
		if !ok {
			return fmt.Errorf("%w: username %q: use a-z, 0-9 and . _ @ -, starting with a letter or digit", ErrInvalid, u)
		}
	}
	return nil
}

// withHashSlot runs f while holding one of the MaxConcurrentHashes slots.
func (s *Service) withHashSlot(ctx context.Context, f func()) error {
	select {
	case s.hashing <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashing }()
	f()
	return nil
}

func (s *Service) hash(ctx context.Context, password string) (string, error) {
	var h string
	var err error
	if slotErr := s.withHashSlot(ctx, func() { h, err = HashPassword(password, s.opts.Password) }); slotErr != nil {
		return "", slotErr
	}
	return h, err
}

// dummyHash is a hash no password matches in practice, checked for unknown
// users so that they take as long as known ones.
func (s *Service) dummyHash() string {
	s.dummyOnce.Do(func() {
		s.dummy, _ = HashPassword(newSecret(), s.opts.Password) // New checked the parameters
	})
	return s.dummy
}

// Login checks a username and password from clientIP (the client's
// address as the HTTP server sees it, behind a trusted proxy the
// forwarded one) and returns the user's Principal. A disabled user with
// the right password gets ErrAccountDisabled; a wrong username or password
// ErrInvalidCredentials. After LoginFailures failures for the username, or
// AddressFailures from the address, within LoginWindow, attempts are
// refused with a *RateLimitError without checking the password. An unknown
// user costs the same hash as a known one. A hash with outdated parameters
// is replaced.
func (s *Service) Login(ctx context.Context, username, password, clientIP string) (Principal, error) {
	username = NormalizeUsername(username)
	userKey, addrKey := "user:"+username, addressKey(clientIP)
	now := s.now()
	// Every attempt counts as a failure until it succeeds, or fails for
	// a reason that is not the client's.
	if wait := s.limiter.take(now, limit{userKey, s.opts.LoginFailures}, limit{addrKey, s.opts.AddressFailures}); wait > 0 {
		return Principal{}, &RateLimitError{RetryAfter: wait}
	}
	uncount := func() {
		s.limiter.forgive(userKey, now)
		s.limiter.forgive(addrKey, now)
	}

	u, err := s.st.GetUser(ctx, username)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		uncount()
		return Principal{}, fmt.Errorf("login: %w", err)
	}
	hash := u.PasswordHash
	if hash == "" || utf8.RuneCountInString(password) > maxPasswordLen {
		hash = s.dummyHash()
	}
	var match, rehash bool
	var checkErr error
	if err := s.withHashSlot(ctx, func() { match, rehash, checkErr = CheckPassword(hash, password, s.opts.Password) }); err != nil {
		uncount()
		return Principal{}, fmt.Errorf("login: %w", err)
	}
	if checkErr != nil {
		s.log.Error("stored password hash is unreadable", "user", username, "error", checkErr)
		return Principal{}, ErrInvalidCredentials
	}
	if !match || hash != u.PasswordHash {
		return Principal{}, ErrInvalidCredentials
	}
	uncount()
	s.limiter.reset(userKey)
	if u.Disabled {
		return Principal{}, ErrAccountDisabled
	}
	if rehash {
		if h, err := s.hash(ctx, password); err != nil {
			s.log.Warn("upgrade password hash", "user", username, "error", err)
		} else if err := s.st.SetPassword(ctx, username, h, now); err != nil {
			s.log.Warn("upgrade password hash", "user", username, "error", err)
		}
	}
	return UserPrincipal(u), nil
}

// checkUser normalises the username and checks the grants of u.
func checkUser(u store.User) (store.User, error) {
	u.Username = NormalizeUsername(u.Username)
	if err := checkUsername(u.Username); err != nil {
		return store.User{}, err
	}
	var err error
	if u.Roles, err = checkRoles(u.Roles); err != nil {
		return store.User{}, err
	}
	if len(u.Roles) == 0 {
		return store.User{}, fmt.Errorf("%w: a user needs a role (%s, %s or %s)", ErrInvalid, RoleOnthaal, RoleBehandelaar, RoleBeheerder)
	}
	if u.Domains, err = checkDomains(u.Domains); err != nil {
		return store.User{}, err
	}
	u.DisplayName, u.Email, u.Department = strings.TrimSpace(u.DisplayName), strings.TrimSpace(u.Email), strings.TrimSpace(u.Department)
	return u, nil
}

// AddUser adds a user with at least one role and any of the domains (none
// is allowed: a beheerder may manage accounts without seeing citizens'
// data). The username is normalised (NormalizeUsername). An empty password
// leaves the user without a local password (for OpenID Connect); another
// must pass CheckPasswordPolicy. It returns the user as stored;
// store.ErrConflict when the username is taken.
func (s *Service) AddUser(ctx context.Context, u store.User, password string) (store.User, error) {
	u, err := checkUser(u)
	if err != nil {
		return store.User{}, err
	}
	u.PasswordHash = ""
	if password != "" {
		if err := CheckPasswordPolicy(password); err != nil {
			return store.User{}, err
		}
		if u.PasswordHash, err = s.hash(ctx, password); err != nil {
			return store.User{}, fmt.Errorf("add user %s: %w", u.Username, err)
		}
	}
	u.CreatedAt, u.UpdatedAt = s.now(), s.now()
	if err := s.st.CreateUser(ctx, u); err != nil {
		return store.User{}, err
	}
	return u, nil
}

// UpdateUser changes a user's display name, e-mail, roles, domains,
// department and Disabled, checked as by AddUser. Disabling a user ends
// their sessions; their tokens stop working as well.
func (s *Service) UpdateUser(ctx context.Context, u store.User) error {
	u, err := checkUser(u)
	if err != nil {
		return err
	}
	u.UpdatedAt = s.now()
	if err := s.st.UpdateUser(ctx, u); err != nil {
		return err
	}
	if u.Disabled {
		if _, err := s.st.DeleteUserSessions(ctx, u.Username); err != nil {
			return fmt.Errorf("end sessions of %s: %w", u.Username, err)
		}
	}
	return nil
}

// DisableUser disables a user and ends their sessions.
func (s *Service) DisableUser(ctx context.Context, username string) error {
	u, err := s.st.GetUser(ctx, NormalizeUsername(username))
	if err != nil {
		return err
	}
	u.Disabled = true
	return s.UpdateUser(ctx, u)
}

// SetPassword gives a user a new password (CheckPasswordPolicy) and ends
// their sessions: a password is changed because someone else may know it.
func (s *Service) SetPassword(ctx context.Context, username, password string) error {
	username = NormalizeUsername(username)
	if err := CheckPasswordPolicy(password); err != nil {
		return err
	}
	h, err := s.hash(ctx, password)
	if err != nil {
		return fmt.Errorf("set password of %s: %w", username, err)
	}
	if err := s.st.SetPassword(ctx, username, h, s.now()); err != nil {
		return err
	}
	if _, err := s.st.DeleteUserSessions(ctx, username); err != nil {
		return fmt.Errorf("end sessions of %s: %w", username, err)
	}
	return nil
}

// ListUsers returns every user, by username.
func (s *Service) ListUsers(ctx context.Context) ([]store.User, error) { return s.st.ListUsers(ctx) }

// GetUser returns a user; store.ErrNotFound when there is none.
func (s *Service) GetUser(ctx context.Context, username string) (store.User, error) {
	return s.st.GetUser(ctx, NormalizeUsername(username))
}
