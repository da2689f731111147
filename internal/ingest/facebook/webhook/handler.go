package webhook

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// DefaultMaxBody is the body limit when Config.MaxBody is not set.
// Facebook batches at most 1000 updates in one delivery; 1 MiB holds that.
const DefaultMaxBody = 1 << 20

// Config is the handler's configuration. The secrets are functions so that
// a rotated secret file takes effect without a restart.
type Config struct {
	VerifyToken func() string // the hub.verify_token configured at Facebook
	AppSecret   func() string // the app secret that keys X-Hub-Signature-256
	MaxBody     int64         // body limit in bytes; DefaultMaxBody when <= 0
}

// Publisher publishes the changes of one delivery. It must return nil only
// after JetStream acknowledged every change: the handler then answers 200
// and Facebook forgets the delivery.
type Publisher func(ctx context.Context, changes []Change) error

type handler struct {
	cfg     Config
	publish Publisher
	log     *slog.Logger
}

// New returns the webhook endpoint: GET answers the subscription
// handshake, POST receives deliveries. It panics when publish or a secret
// function is nil, which is a wiring mistake. A nil log discards.
func New(cfg Config, publish Publisher, log *slog.Logger) http.Handler {
	if publish == nil || cfg.VerifyToken == nil || cfg.AppSecret == nil {
		panic("webhook.New: publish, VerifyToken and AppSecret are required")
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = DefaultMaxBody
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &handler{cfg: cfg, publish: publish, log: log}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		h.verify(w, r)
	case http.MethodPost:
		h.receive(w, r)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// verify answers the subscription handshake: Facebook sends hub.mode,
// hub.verify_token and hub.challenge, and expects the challenge back.
// https://developers.facebook.com/docs/graph-api/webhooks/getting-started#verification-requests
func (h *handler) verify(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("hub.mode") != "subscribe" {
		http.Error(w, "hub.mode must be subscribe", http.StatusBadRequest)
		return
	}
	want := h.cfg.VerifyToken()
	if want == "" {
		h.log.Error("webhook verification refused: no verify token configured")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	if !equalConstantTime(q.Get("hub.verify_token"), want) {
		h.log.Warn("webhook verification refused: wrong verify token")
		http.Error(w, "forbidden", http.StatusForbidden)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	// The challenge is reflected input: keep browsers from sniffing it as HTML.
	w.Header().Set("X-Content-Type-Options", "nosniff")
	io.WriteString(w, q.Get("hub.challenge"))
}

// equalConstantTime compares the digests so that neither the contents nor
// the length of the token leak through timing.
func equalConstantTime(a, b string) bool {
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// receive handles one delivery. Any answer but 2xx makes Facebook retry,
// so the order matters: authenticate, parse, publish, and only then 200.
// https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications
func (h *handler) receive(w http.ResponseWriter, r *http.Request) {
	if r.ContentLength > h.cfg.MaxBody {
		h.log.Warn("webhook delivery too large", "bytes", r.ContentLength, "max_body", h.cfg.MaxBody)
		http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.cfg.MaxBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			h.log.Warn("webhook delivery too large", "max_body", h.cfg.MaxBody)
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		h.log.Warn("webhook delivery unreadable", "error", err)
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}

	secret := h.cfg.AppSecret()
	if secret == "" {
		// Ours to fix; a 5xx keeps Facebook redelivering until it is.
		h.log.Error("webhook delivery not checked: no app secret configured")
		http.Error(w, "not configured", http.StatusInternalServerError)
		return
	}
	if !validSignature(body, r.Header.Get(SignatureHeader), secret) {
		h.log.Warn("webhook delivery refused: missing or invalid signature")
		http.Error(w, "invalid signature", http.StatusForbidden)
		return
	}

	changes, err := Decode(body)
	switch {
	case errors.Is(err, ErrUnsupportedObject):
		h.log.Info("webhook delivery ignored", "error", err)
		h.received(w)
		return
	case err != nil:
		h.log.Warn("webhook delivery malformed", "error", err)
		http.Error(w, "malformed delivery", http.StatusBadRequest)
		return
	}
	if len(changes) > 0 {
		if err := h.publish(r.Context(), changes); err != nil {
			h.log.Error("webhook delivery not published; facebook will redeliver", "changes", len(changes), "error", err)
			http.Error(w, "not published", http.StatusInternalServerError)
			return
		}
	}
	h.log.Debug("webhook delivery published", "changes", len(changes))
	h.received(w)
}

func (h *handler) received(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "EVENT_RECEIVED")
}
