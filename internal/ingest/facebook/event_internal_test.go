package facebook

import (
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/ingest/facebook/graph"
	"github.com/meldpunt/meldpunt/internal/testutil/natstest"
)

// TestCommentThreading: the page's own comments name the comment (or post)
// they answer, so that an answer under one citizen's comment joins that
// citizen's case; citizens' comments do not (another person's comment is
// not their case).
func TestCommentThreading(t *testing.T) {
	objs := natstest.Connect(t, natstest.Start(t)) // raw originals go to the real object store
	page := Page{ID: "104", Inbox: "facebook", Domain: "gemeente"}
	when := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name          string
		it            item
		wantInReplyTo string
	}{
		{"page answers a comment", commentItem("104_1", graph.Comment{ID: "1_3", ParentID: "1_2", From: graph.Person{ID: "104"}, Text: "We kijken ernaar.", CreatedTime: when}), "1_2"},
		{"page comments on a post", commentItem("104_1", graph.Comment{ID: "1_4", From: graph.Person{ID: "104"}, Text: "Dank je.", CreatedTime: when}), "104_1"},
		{"citizen answers a comment", commentItem("104_1", graph.Comment{ID: "1_5", ParentID: "1_2", From: graph.Person{ID: "77", Name: "Joris"}, Text: "Bij mij ook.", CreatedTime: when}), ""},
		{"citizen comments on a post", commentItem("104_1", graph.Comment{ID: "1_6", From: graph.Person{ID: "77"}, Text: "Lawaai!", CreatedTime: when}), ""},
		{"page post", postItem(graph.Post{ID: "104_9", From: graph.Person{ID: "104"}, Text: "Nieuws", CreatedTime: when}), ""},
	} {
		ev, err := build(t.Context(), objs, nil, 0, page, tc.it)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := ev.Data.Thread.InReplyTo; got != tc.wantInReplyTo {
			t.Errorf("%s: in_reply_to %q, want %q", tc.name, got, tc.wantInReplyTo)
		}
		if ev.Data.Thread.ConversationID != tc.it.thread {
			t.Errorf("%s: conversation %q, want %q", tc.name, ev.Data.Thread.ConversationID, tc.it.thread)
		}
	}
}
