package graph

import (
	"context"
	"strconv"
	"time"

	facebook "github.com/huandu/facebook/v2"
)

// Fields asked for; graphfake answers with the same shapes.
const (
	conversationFields = "id,updated_time,message_count,participants"
	messageFields      = "id,message,from,to,created_time," +
		"attachments{id,mime_type,name,size,file_url,image_data,video_data},sticker,shares{link,name}"
	postFields    = "id,message,from,created_time,updated_time,permalink_url,attachments"
	commentFields = "id,message,from,created_time,parent,attachment,permalink_url"
)

// The listers get the first page and follow paging.next until it is absent,
// also through pages with an empty data list (which Graph sends), calling fn
// for every non-empty page in the order Graph gives. fn returns false to
// stop early; an error of fn is returned as it is. A Graph failure is
// returned wrapped, as an *Error where the server answered (see Classify).

// Conversations lists the page's Messenger conversations, most recently
// updated first. It counts against the conversations rate limit.
func (c *Client) Conversations(ctx context.Context, pageID string, fn func([]Conversation) (bool, error)) error {
	params := facebook.Params{"platform": "messenger", "fields": conversationFields}
	return walk(ctx, c, "/"+pageID+"/conversations", params, true, DecodeConversations, fn)
}

// Messages lists a conversation's messages, newest first. It counts against
// the conversations rate limit.
func (c *Client) Messages(ctx context.Context, conversationID string, fn func([]Message) (bool, error)) error {
	params := facebook.Params{"fields": messageFields}
	return walk(ctx, c, "/"+conversationID+"/messages", params, true, DecodeMessages, fn)
}

// Feed lists the page's feed (its own and visitors' posts), newest first,
// created at or after since (zero: everything).
func (c *Client) Feed(ctx context.Context, pageID string, since time.Time, fn func([]Post) (bool, error)) error {
	params := facebook.Params{"fields": postFields}
	addSince(params, since)
	return walk(ctx, c, "/"+pageID+"/feed", params, false, DecodePosts, fn)
}

// Comments lists all comments on a post, replies included (filter=stream),
// oldest first, created at or after since (zero: everything).
func (c *Client) Comments(ctx context.Context, postID string, since time.Time, fn func([]Comment) (bool, error)) error {
	params := facebook.Params{"filter": "stream", "order": "chronological", "fields": commentFields}
	addSince(params, since)
	return walk(ctx, c, "/"+postID+"/comments", params, false, DecodeComments, fn)
}

func addSince(p facebook.Params, since time.Time) {
	if !since.IsZero() {
		p["since"] = strconv.FormatInt(since.Unix(), 10)
	}
}
