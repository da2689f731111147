package api_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/caseevent"
	"github.com/meldpunt/meldpunt/internal/ingest"
	"github.com/meldpunt/meldpunt/internal/registry/api"
	"github.com/meldpunt/meldpunt/internal/registry/casework"
)

// TestSources: what connectors report reaches the staff through the bus:
// a Facebook page whose token expired needs a person, a working mailbox
// is ok, and a connector that stopped says so.
func TestSources(t *testing.T) {
	t.Parallel()
	s := newBusServer(t, "sqlite")
	behandelaar := s.client(s.token(t, "behandelaar", "gemeente"))

	// Before any connector reported, there is nothing to show.
	var l api.SourceList
	if code := send(t, behandelaar, http.MethodGet, s.URL+"/api/v1/sources", "", nil, &l); code != http.StatusOK || len(l.Sources) != 0 || l.CheckedAt.IsZero() {
		t.Fatalf("GET sources before any report = %d %+v", code, l)
	}

	// Two connectors, as their processes run them (ingest.Reporter).
	fb, mail := ingest.NewHealth(), ingest.NewHealth()
	fb.Register("gemeente/1234")
	mail.Register("gemeentebestuur/INBOX")
	mail.Success("gemeentebestuur/INBOX")
	fb.Failure("gemeente/1234", errors.New("page token invalid since 2026-12-04T09:00:00Z: create a new one"), true)
	ctx, cancel := context.WithCancel(context.Background())
	var fbDone sync.WaitGroup
	fbDone.Go(func() {
		ingest.NewReporter(s.bus, ingest.ReportConfig{Connector: "facebook", Channel: caseevent.ChannelFacebook}, fb, nil).Run(ctx)
	})
	t.Cleanup(func() { cancel(); fbDone.Wait() }) // before the bus closes
	mailCtx, stopMail := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		ingest.NewReporter(s.bus, ingest.ReportConfig{Connector: "mail", Channel: caseevent.ChannelEmail}, mail, nil).Run(mailCtx)
	}()

	wait := func(what string, ok func([]api.Source) bool) []api.Source {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			var l api.SourceList
			if code := send(t, behandelaar, http.MethodGet, s.URL+"/api/v1/sources", "", nil, &l); code != http.StatusOK {
				t.Fatalf("GET sources = %d", code)
			}
			if ok(l.Sources) {
				return l.Sources
			}
			if time.Now().After(deadline) {
				t.Fatalf("no sources %s: %+v", what, l.Sources)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	got := wait("of both connectors", func(s []api.Source) bool { return len(s) == 2 })
	page, box := got[0], got[1] // by connector: facebook, mail
	if page.Connector != "facebook" || page.Channel != "facebook" || page.Source != "gemeente/1234" || page.Status != api.SourceNeedsPerson ||
		!page.NeedsPerson || page.ConsecutiveFailures != 1 || page.LastErrorAt == nil || page.LastSuccess != nil || page.Silent || page.LastReport.IsZero() {
		t.Errorf("facebook page = %+v", page)
	}
	if box.Connector != "mail" || box.Channel != "email" || box.Status != api.SourceOK || box.LastSuccess == nil || box.NeedsPerson || box.LastError != "" {
		t.Errorf("mailbox = %+v", box)
	}

	// The mail connector stops; the page's token is mended.
	stopMail()
	<-done
	fb.Success("gemeente/1234")
	got = wait("after the changes", func(s []api.Source) bool {
		return len(s) == 2 && s[0].Status == api.SourceOK && s[1].Status == api.SourceStopped
	})
	if got[0].ConsecutiveFailures != 0 || got[0].LastError == "" || !got[1].Stopped {
		t.Errorf("after the changes = %+v", got)
	}

	// Onthaal staff do not see the sources.
	onthaal := s.client(s.token(t, "onthaal", "gemeente"))
	var p api.Problem
	if code := send(t, onthaal, http.MethodGet, s.URL+"/api/v1/sources", "", nil, &p); code != http.StatusForbidden {
		t.Errorf("GET sources as onthaal = %d, want 403", code)
	}
}

// TestSourcesWithoutBus: a registry without a bus knows no sources.
func TestSourcesWithoutBus(t *testing.T) {
	t.Parallel()
	st, log := openStore(t)
	srv := newServer(t, st, log, casework.Options{})
	var l api.SourceList
	if code := send(t, srv.client(srv.token(t, "beheerder", "gemeente")), http.MethodGet, srv.URL+"/api/v1/sources", "", nil, &l); code != http.StatusOK || len(l.Sources) != 0 {
		t.Errorf("GET sources without a bus = %d %+v", code, l)
	}
}
