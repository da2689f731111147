// Package open311 is a client for the Open311 GeoReport v2 API
// (https://wiki.open311.org/GeoReport_v2): it lists the services of a
// jurisdiction, lists service requests in date windows without losing any to
// the standard's caps, and downloads media_url files.
//
// It only reads. It imports no meldpunt package: mapping requests to case
// events is the connector's job.
package open311

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
	"syscall"
	"time"
)

// Defaults of the GeoReport v2 standard and of this client.
const (
	// MaxResults is the standard's cap on the results of one answer.
	MaxResults = 1000
	// MaxWindow is the standard's cap on end_date - start_date.
	MaxWindow = 90 * 24 * time.Hour
	// DefaultTimeout bounds one HTTP call when Config.Timeout is zero.
	DefaultTimeout = 30 * time.Second
	// DefaultDownloadLimit is used by Download when limit <= 0.
	DefaultDownloadLimit = 25 << 20
)

// Config is plain data; New checks it.
type Config struct {
	BaseURL        string // the endpoint, e.g. https://meldpunt.example.be/open311/v2
	JurisdictionID string // sent as jurisdiction_id when set
	APIKey         string // sent as api_key when set
	Timeout        time.Duration
	HTTPClient     *http.Client
	Format         string // "json" (default) or "xml"
	PageSize       int    // > 0: ask page/page_size; 0: the server doesn't page
	// MaxResults is the server's cap on one answer; 0 means the standard's
	// 1,000. An answer holding this many results makes Requests split the
	// window, so a server capping lower than this loses requests silently.
	MaxResults int
	// Location is used for datetimes sent without an offset; nil means UTC.
	Location *time.Location
}

// Client talks to one Open311 endpoint. It is safe for concurrent use.
type Client struct {
	base       *url.URL
	cfg        Config
	hc         *http.Client
	maxResults int
	loc        *time.Location
}

// New checks cfg and returns a Client.
func New(cfg Config) (*Client, error) {
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil {
		return nil, fmt.Errorf("open311: base url: %w", err)
	}
	if base.Scheme != "http" && base.Scheme != "https" || base.Host == "" {
		return nil, fmt.Errorf("open311: base url %q: want an http or https url", cfg.BaseURL)
	}
	switch cfg.Format {
	case "":
		cfg.Format = "json"
	case "json", "xml":
	default:
		return nil, fmt.Errorf("open311: format %q: want json or xml", cfg.Format)
	}
	if cfg.PageSize < 0 || cfg.MaxResults < 0 || cfg.Timeout < 0 {
		return nil, errors.New("open311: page size, max results and timeout must not be negative")
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	c := &Client{base: base, cfg: cfg, hc: cfg.HTTPClient, maxResults: cfg.MaxResults, loc: cfg.Location}
	if c.hc == nil {
		c.hc = &http.Client{}
	}
	if c.maxResults == 0 {
		c.maxResults = MaxResults
	}
	if c.loc == nil {
		c.loc = time.UTC
	}
	return c, nil
}

// Error is a non-2xx answer. Body is the start of the answer, which for
// Open311 servers is usually [{"code":...,"description":...}].
type Error struct {
	HTTPStatus int
	Body       string
}

func (e *Error) Error() string {
	return fmt.Sprintf("open311: http %d: %s", e.HTTPStatus, e.Body)
}

// ErrGarbage is returned when a 2xx answer is not the JSON or XML document
// asked for (an HTML maintenance page, a truncated body). It is transient.
var ErrGarbage = errors.New("open311: answer is not a GeoReport document")

// ErrWindowFull is returned by Requests, after all windows were listed,
// when a one-second window still got a full answer: it cannot be split
// further and requests in it may be missing.
var ErrWindowFull = errors.New("open311: one-second window holds a full answer")

// IsTransient reports whether err is worth retrying later: 5xx and 429
// answers, timeouts, connection errors and garbage answers. A cancelled
// context is not transient.
func IsTransient(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var he *Error
	if errors.As(err, &he) {
		return he.HTTPStatus >= 500 || he.HTTPStatus == http.StatusTooManyRequests ||
			he.HTTPStatus == http.StatusRequestTimeout
	}
	if errors.Is(err, ErrGarbage) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true // timeouts, refused and reset connections, DNS failures
	}
	return false
}

// endpoint builds {base}/{name}.{format}?{q} with jurisdiction_id and api_key.
func (c *Client) endpoint(name string, q url.Values) string {
	if q == nil {
		q = url.Values{}
	}
	if c.cfg.JurisdictionID != "" {
		q.Set("jurisdiction_id", c.cfg.JurisdictionID)
	}
	if c.cfg.APIKey != "" {
		q.Set("api_key", c.cfg.APIKey)
	}
	u := *c.base
	u.Path += "/" + name + "." + c.cfg.Format
	u.RawQuery = q.Encode()
	return u.String()
}

// get fetches u and returns the body of a 2xx answer (at most limit bytes
// plus one, so callers can tell truncation).
func (c *Client) get(ctx context.Context, u string, limit int64, accept string) ([]byte, string, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", fmt.Errorf("open311: %w", c.redact(err))
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("open311: %w", c.redact(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return nil, "", &Error{HTTPStatus: resp.StatusCode, Body: strings.TrimSpace(string(b))}
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("open311: read answer: %w", c.redact(err))
	}
	return b, resp.Header.Get("Content-Type"), nil
}

// redact keeps the api_key out of errors, which end up in logs.
func (c *Client) redact(err error) error {
	var ue *url.Error
	if c.cfg.APIKey != "" && errors.As(err, &ue) {
		ue.URL = strings.ReplaceAll(ue.URL, url.QueryEscape(c.cfg.APIKey), "REDACTED")
	}
	return err
}

func formatTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func itoa(n int) string { return strconv.Itoa(n) }
