// Package graph is the Facebook Graph API client of the Facebook connector:
// it lists a page's Messenger conversations and their messages, the page
// feed and the comments on its posts, downloads attachments, and reports
// errors and usage in a form the polling loop can act on.
//
// Every Graph call goes through github.com/huandu/facebook/v2 with the
// request's context, a per-request timeout and appsecret_proof.
//
// It imports no meldpunt package.
package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	facebook "github.com/huandu/facebook/v2"
	"golang.org/x/time/rate"
)

// Defaults for Config.
const (
	DefaultBaseURL = "https://graph.facebook.com/"
	DefaultVersion = "v21.0"
	DefaultTimeout = 30 * time.Second
	// DefaultConversationsRate keeps the conversations API (conversations
	// and messages) under Facebook's 2 calls per second.
	DefaultConversationsRate = 2.0
)

// Config is the plain configuration of a Client.
type Config struct {
	BaseURL    string        // default DefaultBaseURL; tests point it at graphfake
	Version    string        // pinned API version, e.g. "v21.0"; default DefaultVersion
	AppID      string        //
	AppSecret  string        // required: every request carries appsecret_proof
	Timeout    time.Duration // per request, default DefaultTimeout
	HTTPClient *http.Client  // optional; default a fresh client without timeout (the context carries it)

	// ConversationsRate is the number of calls per second allowed on the
	// conversations API (Conversations and Messages, every page counts).
	// Default DefaultConversationsRate; negative means no limit.
	ConversationsRate float64
	// PageSize is sent as limit on list calls; 0 leaves Graph's default.
	PageSize int
}

// Client calls the Graph API for one page. It is safe for concurrent use.
type Client struct {
	baseURL  string
	version  string
	timeout  time.Duration
	pageSize int
	app      *facebook.App
	http     *http.Client
	convRate *rate.Limiter // nil: unlimited

	mu    sync.Mutex
	token string
	usage Usage
}

// New checks cfg, fills in the defaults and returns a Client without a
// token; call SetToken before the first request.
func New(cfg Config) (*Client, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("graph: base url %q is not an absolute http(s) url", cfg.BaseURL)
	}
	if !strings.HasSuffix(cfg.BaseURL, "/") {
		cfg.BaseURL += "/" // huandu needs the trailing slash
	}
	if cfg.Version == "" {
		cfg.Version = DefaultVersion
	}
	if !strings.HasPrefix(cfg.Version, "v") || strings.Contains(cfg.Version, "/") {
		return nil, fmt.Errorf("graph: version %q is not like v21.0", cfg.Version)
	}
	if cfg.AppSecret == "" {
		return nil, errors.New("graph: app secret is required for appsecret_proof")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{}
	}
	if cfg.ConversationsRate == 0 {
		cfg.ConversationsRate = DefaultConversationsRate
	}
	app := facebook.New(cfg.AppID, cfg.AppSecret)
	app.EnableAppsecretProof = true
	c := &Client{
		baseURL:  cfg.BaseURL,
		version:  cfg.Version,
		timeout:  cfg.Timeout,
		pageSize: cfg.PageSize,
		app:      app,
		http:     cfg.HTTPClient,
	}
	if cfg.ConversationsRate > 0 {
		c.convRate = rate.NewLimiter(rate.Limit(cfg.ConversationsRate), 1)
	}
	return c, nil
}

// SetToken sets the page access token used from the next request on. It may
// be called at any time, e.g. when the token file changed.
func (c *Client) SetToken(pageToken string) {
	c.mu.Lock()
	c.token = pageToken
	c.mu.Unlock()
}

func (c *Client) currentToken() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.token
}

// recorder is the huandu HttpClient of one request: it keeps the status and
// headers of the answer, which huandu does not expose on errors.
type recorder struct {
	*http.Client
	status int
	header http.Header
}

func (r *recorder) Do(req *http.Request) (*http.Response, error) {
	resp, err := r.Client.Do(req)
	if resp != nil {
		r.status = resp.StatusCode
		r.header = resp.Header
	}
	return resp, err
}

// get makes one Graph GET call with its own timeout, a fresh session for the
// current token (so SetToken never races a request) and records the usage
// headers of the answer, also of an error answer.
func (c *Client) get(ctx context.Context, path string, params facebook.Params) (facebook.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	rec := &recorder{Client: c.http}
	s := c.app.Session(c.currentToken())
	s.Version = c.version
	s.BaseURL = c.baseURL
	s.HttpClient = rec
	s = s.WithContext(ctx)

	res, err := s.Get(path, params)
	if rec.header != nil {
		u := ParseUsage(rec.header)
		u.At = time.Now()
		c.mu.Lock()
		c.usage = u
		c.mu.Unlock()
	}
	if err != nil {
		return nil, convertError(err, rec.status)
	}
	if rec.status >= 300 {
		return nil, &Error{HTTPStatus: rec.status, Type: typeNonJSON, Message: "answer without a graph error"}
	}
	delete(res, "__usage__") // huandu's copy of the headers; we keep our own
	return res, nil
}

// walk gets path and follows paging.next until it is absent, decoding each
// page with decode and handing non-empty pages to fn.
//
// The next page is asked for with the query of paging.next (its cursor,
// fields, limit...) on our own base URL and path, so a proxy base URL keeps
// working and the token never goes to a host from an answer.
func walk[T any](ctx context.Context, c *Client, path string, params facebook.Params, limited bool,
	decode func([]byte) ([]T, string, error), fn func([]T) (bool, error)) error {
	if c.pageSize > 0 {
		params["limit"] = c.pageSize
	}
	prev := ""
	for {
		if limited && c.convRate != nil {
			if err := c.convRate.Wait(ctx); err != nil {
				return fmt.Errorf("wait for rate limit of %s: %w", path, err)
			}
		}
		res, err := c.get(ctx, path, params)
		if err != nil {
			return fmt.Errorf("get %s: %w", path, err)
		}
		body, err := json.Marshal(res)
		if err != nil {
			return fmt.Errorf("re-encode %s: %w", path, err)
		}
		items, next, err := decode(body)
		if err != nil {
			return fmt.Errorf("decode %s: %w", path, err)
		}
		if len(items) > 0 {
			more, err := fn(items)
			if err != nil || !more {
				return err
			}
		}
		if next == "" {
			return nil
		}
		if next == prev {
			return fmt.Errorf("get %s: %w", path, &Error{Type: typeDecode, Message: "paging.next did not advance"})
		}
		prev = next
		if params, err = nextParams(next); err != nil {
			return fmt.Errorf("follow paging.next of %s: %w", path, err)
		}
	}
}

// nextParams takes the query of a paging.next URL, without the credentials
// (the session adds the current ones).
func nextParams(next string) (facebook.Params, error) {
	u, err := url.Parse(next)
	if err != nil {
		return nil, &Error{Type: typeDecode, Message: "paging.next is not a url"}
	}
	p := facebook.Params{}
	for k, v := range u.Query() {
		switch k {
		case "access_token", "appsecret_proof", "format":
			continue
		}
		if len(v) > 0 {
			p[k] = v[0]
		}
	}
	return p, nil
}
