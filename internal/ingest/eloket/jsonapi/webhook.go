package jsonapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
)

// DefaultSignatureHeader carries "sha256=<hex>" (or plain hex) of the
// HMAC-SHA256 of the body under the shared secret.
const DefaultSignatureHeader = "X-Signature-256"

// WebhookConfig is one webhook endpoint. Secret and BearerToken are
// functions so that a rotated secret is picked up without a restart; at
// least one of them must give a non-empty value, or every post is refused.
type WebhookConfig struct {
	Secret          func() string // HMAC-SHA256 key
	SignatureHeader string        // default DefaultSignatureHeader
	BearerToken     func() string // accepted instead of a signature
	MaxBody         int64         // default 4 MiB
	Mapping         Mapping
}

// Publisher hands items on and returns only after they are safely stored
// (for the connector: after JetStream acknowledged).
type Publisher func(ctx context.Context, items []Item) error

// Sign returns the signature header value for a body: "sha256=<hex>".
func Sign(body []byte, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

type webhook struct {
	cfg     WebhookConfig
	publish Publisher
	log     *slog.Logger
}

// NewWebhook returns the handler for posted submissions. It accepts POST
// only, checks the signature (or bearer token) before reading the body as
// JSON, answers 401 and publishes nothing when that fails, and answers 2xx
// only after publish returned nil (503 when it did not, so the sender
// retries). The body is one item, or a list of them as Mapping.List says;
// a body that is not JSON is published as one item with ParseError.
func NewWebhook(cfg WebhookConfig, publish Publisher, log *slog.Logger) http.Handler {
	if cfg.SignatureHeader == "" {
		cfg.SignatureHeader = DefaultSignatureHeader
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 4 << 20
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &webhook{cfg: cfg, publish: publish, log: log}
}

func (h *webhook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	if err := h.authenticate(r, body); err != nil {
		h.log.Warn("webhook post refused", "error", err)
		w.Header().Set("WWW-Authenticate", `Bearer realm="meldpunt"`)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	items := h.cfg.Mapping.webhookItems(body)
	if len(items) == 0 {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, "{\"accepted\":0}\n")
		return
	}
	if err := h.publish(r.Context(), items); err != nil {
		h.log.Error("webhook publish failed", "error", err)
		w.Header().Set("Retry-After", "5")
		http.Error(w, "not stored, try again", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"accepted\":%d}\n", len(items))
}

func (h *webhook) authenticate(r *http.Request, body []byte) error {
	secret, token := call(h.cfg.Secret), call(h.cfg.BearerToken)
	if secret == "" && token == "" {
		return errors.New("webhook has neither a secret nor a bearer token configured")
	}
	if secret != "" {
		if got := r.Header.Get(h.cfg.SignatureHeader); got != "" {
			sig, err := hex.DecodeString(strings.TrimPrefix(strings.TrimSpace(got), "sha256="))
			if err != nil {
				return fmt.Errorf("signature header %s is not hex", h.cfg.SignatureHeader)
			}
			mac := hmac.New(sha256.New, []byte(secret))
			mac.Write(body)
			if hmac.Equal(sig, mac.Sum(nil)) {
				return nil
			}
			return errors.New("signature does not match")
		}
	}
	if token != "" {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(token)) == 1 {
			return nil
		}
		if ok {
			return errors.New("bearer token does not match")
		}
	}
	return errors.New("no signature or bearer token")
}

func call(f func() string) string {
	if f == nil {
		return ""
	}
	return f()
}

// webhookItems reads a posted body: a list (at Mapping.List, or the body
// itself when it is an array) or a single item.
func (m Mapping) webhookItems(body []byte) []Item {
	if !json.Valid(body) {
		return []Item{m.Item(body)}
	}
	if firstByte(body) == '[' {
		list, err := Mapping{}.rawList(body)
		if err == nil {
			return m.itemsOf(list)
		}
	}
	if m.List != "" {
		if list, err := m.rawList(body); err == nil && list != nil {
			return m.itemsOf(list)
		}
	}
	return []Item{m.Item(body)}
}

func (m Mapping) itemsOf(list []json.RawMessage) []Item {
	items := make([]Item, 0, len(list))
	for _, raw := range list {
		items = append(items, m.Item(raw))
	}
	return items
}
