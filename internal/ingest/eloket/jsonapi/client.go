package jsonapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Auth says how to authenticate to the API.
type Auth struct {
	Kind     string `toml:"kind"` // "", "bearer", "basic", "header"
	Token    string `toml:"token"`
	User     string `toml:"user"`
	Password string `toml:"password"`
	Header   string `toml:"header"`
	Value    string `toml:"value"`
}

// Cursor says how to ask the API for "newer than".
type Cursor struct {
	Param string `toml:"param"` // query parameter carrying the cursor value
	// Kind is "timestamp" (the newest timestamp seen, written like
	// Mapping.TimestampFormat, or RFC 3339 when that is empty), "id" (the
	// last id seen, for APIs sorted by id) or "page" (page numbers from 1).
	Kind          string `toml:"kind"`
	PageSizeParam string `toml:"page_size_param"`
	PageSize      int    `toml:"page_size"`
}

// Cursor kinds.
const (
	CursorTimestamp = "timestamp"
	CursorID        = "id"
	CursorPage      = "page"
)

// Config is one polled JSON API.
type Config struct {
	URL        string
	Auth       Auth
	Cursor     Cursor
	Mapping    Mapping
	Timeout    time.Duration // per request; default 30s
	HTTPClient *http.Client  // default http.DefaultClient's transport
	MaxBody    int64         // largest answer read; default 64 MiB
}

// Client polls one JSON API.
type Client struct {
	cfg  Config
	base *url.URL
	http *http.Client
}

// Error is an answer other than 2xx.
type Error struct {
	HTTPStatus int
	Body       string // the first KiB
}

func (e *Error) Error() string {
	return fmt.Sprintf("http status %d: %s", e.HTTPStatus, e.Body)
}

// NewClient checks the configuration, reporting every problem at once.
func NewClient(cfg Config) (*Client, error) {
	var errs []error
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url %q: want an http or https url", cfg.URL))
	}
	a := cfg.Auth
	switch a.Kind {
	case "":
	case "bearer":
		if a.Token == "" {
			errs = append(errs, errors.New("auth token: required for bearer"))
		}
	case "basic":
		if a.User == "" {
			errs = append(errs, errors.New("auth user: required for basic"))
		}
	case "header":
		if a.Header == "" || a.Value == "" {
			errs = append(errs, errors.New("auth header, value: required for header"))
		}
	default:
		errs = append(errs, fmt.Errorf("auth kind %q: want bearer, basic, header or nothing", a.Kind))
	}
	switch cfg.Cursor.Kind {
	case CursorTimestamp, CursorID, CursorPage:
	default:
		errs = append(errs, fmt.Errorf("cursor kind %q: want timestamp, id or page", cfg.Cursor.Kind))
	}
	if cfg.Cursor.Param == "" {
		errs = append(errs, errors.New("cursor param: required"))
	}
	if cfg.Cursor.PageSize < 0 {
		errs = append(errs, errors.New("cursor page_size: negative"))
	}
	if cfg.Cursor.PageSize > 0 && cfg.Cursor.PageSizeParam == "" {
		errs = append(errs, errors.New("cursor page_size_param: required with page_size"))
	}
	if err := cfg.Mapping.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 64 << 20
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	return &Client{cfg: cfg, base: u, http: hc}, nil
}

// Fetch asks for the items after the cursor value `after` ("" = from the
// start) and calls fn for every non-empty page with its items and the
// cursor value to store once they are acknowledged. It follows pages until
// a page is empty, shorter than Cursor.PageSize, or moves the cursor no
// further. An error from fn stops Fetch and is returned as it is.
//
// For kind "page" the cursor value is the page to start from. A page not
// known to be full (shorter than PageSize, or any page when PageSize is 0)
// is read again next time, as the source may still add to it; the
// repeated items must be deduplicated downstream (event ids do that).
func (c *Client) Fetch(ctx context.Context, after string, fn func(items []Item, next string) error) error {
	cur := after
	for {
		items, err := c.page(ctx, cur)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			return nil
		}
		next, ask, err := c.next(cur, items)
		if err != nil {
			return err
		}
		if err := fn(items, next); err != nil {
			return err
		}
		short := c.cfg.Cursor.PageSize > 0 && len(items) < c.cfg.Cursor.PageSize
		if short || ask == cur {
			return nil
		}
		cur = ask
	}
}

// next computes the cursor value to store after a page, and the one to
// ask for the next page with; they differ only for kind "page", where a
// page not known to be full is stored to be read again.
func (c *Client) next(cur string, items []Item) (store, ask string, err error) {
	switch c.cfg.Cursor.Kind {
	case CursorPage:
		n := 1
		if cur != "" {
			if n, err = strconv.Atoi(cur); err != nil || n < 1 {
				return "", "", fmt.Errorf("page cursor %q: not a page number", cur)
			}
		}
		ask = strconv.Itoa(n + 1)
		if ps := c.cfg.Cursor.PageSize; ps > 0 && len(items) >= ps {
			return ask, ask, nil
		}
		return strconv.Itoa(n), ask, nil
	case CursorID:
		for i := len(items) - 1; i >= 0; i-- {
			if items[i].ID != "" {
				return items[i].ID, items[i].ID, nil
			}
		}
		return cur, cur, nil
	default:
		var newest time.Time
		if cur != "" {
			t, err := parseTime(cur, c.cfg.Mapping.TimestampFormat)
			if err != nil {
				return "", "", fmt.Errorf("timestamp cursor %q: %w", cur, err)
			}
			newest = t
		}
		moved := false
		for _, it := range items {
			if it.Timestamp.After(newest) {
				newest, moved = it.Timestamp, true
			}
		}
		if !moved {
			return cur, cur, nil
		}
		next := formatTime(newest, c.cfg.Mapping.TimestampFormat)
		return next, next, nil
	}
}

// page fetches and reads one page.
func (c *Client) page(ctx context.Context, cur string) ([]Item, error) {
	u := *c.base
	q := u.Query()
	switch {
	case c.cfg.Cursor.Kind == CursorPage && cur == "":
		q.Set(c.cfg.Cursor.Param, "1")
	case cur != "":
		q.Set(c.cfg.Cursor.Param, cur)
	}
	if c.cfg.Cursor.PageSize > 0 {
		q.Set(c.cfg.Cursor.PageSizeParam, strconv.Itoa(c.cfg.Cursor.PageSize))
	}
	u.RawQuery = q.Encode()

	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("fetch %s=%q: %w", c.cfg.Cursor.Param, cur, err)
	}
	req.Header.Set("Accept", "application/json")
	switch a := c.cfg.Auth; a.Kind {
	case "bearer":
		req.Header.Set("Authorization", "Bearer "+a.Token)
	case "basic":
		req.SetBasicAuth(a.User, a.Password)
	case "header":
		req.Header.Set(a.Header, a.Value)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch %s=%q: %w", c.cfg.Cursor.Param, cur, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBody+1))
	if err != nil {
		return nil, fmt.Errorf("fetch %s=%q: read answer: %w", c.cfg.Cursor.Param, cur, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, fmt.Errorf("fetch %s=%q: %w", c.cfg.Cursor.Param, cur, &Error{HTTPStatus: resp.StatusCode, Body: truncate(body, 1024)})
	}
	if int64(len(body)) > c.cfg.MaxBody {
		return nil, fmt.Errorf("fetch %s=%q: answer larger than %d bytes", c.cfg.Cursor.Param, cur, c.cfg.MaxBody)
	}
	items, err := c.cfg.Mapping.Items(body)
	if err != nil {
		return nil, fmt.Errorf("fetch %s=%q: %w", c.cfg.Cursor.Param, cur, err)
	}
	return items, nil
}

func truncate(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b[:min(len(b), n)]), "")
	return strings.TrimSpace(s)
}

// IsTransient reports whether an error from Fetch may go away by itself:
// 5xx, 429 and 408 answers, timeouts, connection errors and answers that
// are not JSON. Other 4xx answers and configuration errors are permanent.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var he *Error
	if errors.As(err, &he) {
		s := he.HTTPStatus
		return s >= 500 || s == http.StatusTooManyRequests || s == http.StatusRequestTimeout
	}
	if errors.Is(err, ErrBadAnswer) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var ue *url.Error
	return errors.As(err, &ue)
}
