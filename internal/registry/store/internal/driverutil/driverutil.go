// Package driverutil holds what the store drivers share that is not SQL:
// reading embedded migrations, case reference numbers, input checks and the
// cleaning of text before it is stored. Only store drivers import it; it
// imports nothing of meldpunt but package store.
package driverutil

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/meldpunt/meldpunt/internal/registry/store"
)

// Migration is one numbered SQL file, e.g. migrations/0001_init.sql.
type Migration struct {
	Version int
	Name    string // file name without directory
	SQL     string
}

// ReadMigrations returns the *.sql files in dir of fsys, ordered by version.
// A file name starts with its version number and an underscore; two files
// with the same version are an error.
func ReadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must start with a version number and '_'", e.Name())
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		ms = append(ms, Migration{Version: v, Name: e.Name(), SQL: string(b)})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return a.Version - b.Version })
	for i := 1; i < len(ms); i++ {
		if ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migrations %s and %s have the same version", ms[i-1].Name, ms[i].Name)
		}
	}
	if len(ms) == 0 {
		return nil, errors.New("no migrations embedded")
	}
	return ms, nil
}

// FormatRef is a case reference: MP-2026-000123.
func FormatRef(prefix string, year int, n int64) string {
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, n)
}

// CheckNewCase rejects a case the store cannot number or file.
func CheckNewCase(c store.NewCase) error {
	switch {
	case c.Prefix == "" || strings.ContainsAny(c.Prefix, "- \t\r\n"):
		return fmt.Errorf("invalid case prefix %q", c.Prefix)
	case c.Year < 1 || c.Year > 9999:
		return fmt.Errorf("invalid case year %d", c.Year)
	case c.Domain == "":
		return errors.New("case without domain")
	}
	return nil
}

// CheckMessage rejects a message without the fields the store relies on.
func CheckMessage(m *store.Message) error {
	switch {
	case m.EventID == "":
		return errors.New("message without event id")
	case m.Domain == "":
		return errors.New("message without domain")
	case m.Channel == "":
		return errors.New("message without channel")
	}
	return nil
}

// CheckBlob verifies that b.SHA256 is the lower-case hex SHA-256 of b.Data,
// so a blob can always be trusted to be what its name says.
func CheckBlob(b store.Blob) error {
	sum := sha256.Sum256(b.Data)
	if got := hex.EncodeToString(sum[:]); got != b.SHA256 {
		return fmt.Errorf("blob %q: content has sha256 %s", b.SHA256, got)
	}
	return nil
}

// CheckQuarantine rejects an item that could not be deduplicated.
func CheckQuarantine(q store.QuarantineItem) error {
	if q.Key == "" {
		return errors.New("quarantine item without key")
	}
	return nil
}

// Clean makes s storable as text in every driver: valid UTF-8 (invalid bytes
// become U+FFFD) without NUL bytes, which PostgreSQL rejects in text.
func Clean(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// CleanMessage returns a copy of m with every text field cleaned and every
// time in UTC truncated to the microsecond. A zero StoredAt becomes now.
func CleanMessage(m *store.Message) store.Message {
	c := *m
	for _, p := range []*string{
		&c.EventID, &c.Channel, &c.Direction, &c.Inbox, &c.Domain, &c.ExternalID, &c.InReplyTo,
		&c.ConversationID, &c.CaseRefHint, &c.SenderName, &c.SenderEmail, &c.SenderPhone,
		&c.SenderFacebookID, &c.SenderAddress, &c.Subject, &c.Text, &c.HTML, &c.AutoSubmitted,
		&c.ParseError, &c.RawSHA256, &c.RawContentType,
	} {
		*p = Clean(*p)
	}
	c.References = make([]string, len(m.References))
	for i, r := range m.References {
		c.References[i] = Clean(r)
	}
	c.Attachments = make([]store.Attachment, len(m.Attachments))
	for i, a := range m.Attachments {
		a.Name, a.ContentType, a.SHA256 = Clean(a.Name), Clean(a.ContentType), Clean(a.SHA256)
		c.Attachments[i] = a
	}
	c.SentAt, c.ReceivedAt = TimePtr(m.SentAt), TimePtr(m.ReceivedAt)
	c.EventTime = Time(m.EventTime)
	c.StoredAt = TimeOrNow(m.StoredAt)
	return c
}

// CleanMessages checks every message (CheckMessage) and returns them
// cleaned (CleanMessage).
func CleanMessages(ms []*store.Message) ([]store.Message, error) {
	clean := make([]store.Message, len(ms))
	for i, m := range ms {
		if err := CheckMessage(m); err != nil {
			return nil, fmt.Errorf("message %d (event %q): %w", i, m.EventID, err)
		}
		clean[i] = CleanMessage(m)
	}
	return clean, nil
}

// CleanContact returns p with every field cleaned and trimmed.
func CleanContact(p store.Contact) store.Contact {
	for _, f := range []*string{&p.Name, &p.Email, &p.Phone, &p.FacebookID, &p.Address} {
		*f = strings.TrimSpace(Clean(*f))
	}
	return p
}

// Time is t in UTC, truncated to the microsecond (PostgreSQL's precision;
// SQLite keeps the same so that both drivers behave alike).
func Time(t time.Time) time.Time {
	return t.UTC().Truncate(time.Microsecond)
}

// TimeOrNow is Time(t), or the current time when t is zero.
func TimeOrNow(t time.Time) time.Time {
	if t.IsZero() {
		return Time(time.Now())
	}
	return Time(t)
}

// TimePtr is Time(*t), or nil.
func TimePtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := Time(*t)
	return &u
}
