// Package graphfake is a local HTTP server that speaks the Facebook Graph
// API's documented JSON for the calls of the Facebook connector: a page's
// Messenger conversations and messages, its feed and the comments on its
// posts, attachment files, cursor paging, error answers, usage headers and
// the checks of the access token and appsecret_proof.
//
// It is a test helper; it imports no meldpunt package.
package graphfake

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Defaults of a started Server.
const (
	DefaultPageID    = "104857600123456"
	DefaultPageName  = "Gemeente Voorbeeld"
	DefaultToken     = "EAAGfakePageToken0001"
	DefaultAppSecret = "f00dcafe0123456789abcdef01234567"
	DefaultPageSize  = 25
)

// TimeFormat is how Graph writes timestamps.
const TimeFormat = "2006-01-02T15:04:05-0700"

// Person is a participant, sender or recipient.
type Person struct{ ID, Name, Email string }

// Attachment is a file on a message, post or comment. Data is served at
// URL /files/{ID}; when Data is nil, Size deterministic bytes are served.
type Attachment struct {
	ID, Name, MimeType string
	Size               int64
	Kind               string // image, video, audio, file (messages); photo, share, video_inline (posts)
	Data               []byte
}

// Message is a Messenger message. Zero CreatedTime means "now" on the
// server's clock; an empty ID gets a generated one.
type Message struct {
	ID          string
	CreatedTime time.Time
	Text        string
	From        Person
	To          []Person
	Attachments []Attachment
	Sticker     string
	Shares      []string
}

// Post is a post on the page's feed.
type Post struct {
	ID, Text                 string
	From                     Person
	CreatedTime, UpdatedTime time.Time
	Attachments              []Attachment
}

// Comment is a comment on a post; ParentID makes it a reply.
type Comment struct {
	ID, Text, ParentID string
	From               Person
	CreatedTime        time.Time
	Attachment         *Attachment
}

type conversation struct {
	id           string
	updated      time.Time
	participants []Person
	messages     []*Message // in insertion order
}

type post struct {
	Post
	comments []*Comment
}

type failure struct {
	times  int
	status int
	body   string
}

// Server is the fake Graph API. All methods are safe for concurrent use.
type Server struct {
	t   testing.TB
	srv *httptest.Server

	mu          sync.Mutex
	pageID      string
	pageName    string
	token       string
	appSecret   string
	pageSize    int
	emptyEvery  int
	clock       time.Time
	seq         int
	convs       map[string]*conversation
	posts       map[string]*post
	files       map[string]Attachment
	fail        map[string][]*failure
	usage       http.Header
	requests    map[string]int
	lastQueries map[string]url.Values
}

// Start starts a Server with DefaultPageID, DefaultToken and
// DefaultAppSecret; the test's Cleanup closes it.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{
		t:           t,
		pageID:      DefaultPageID,
		pageName:    DefaultPageName,
		token:       DefaultToken,
		appSecret:   DefaultAppSecret,
		pageSize:    DefaultPageSize,
		clock:       time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC),
		convs:       map[string]*conversation{},
		posts:       map[string]*post{},
		files:       map[string]Attachment{},
		fail:        map[string][]*failure{},
		usage:       http.Header{},
		requests:    map[string]int{},
		lastQueries: map[string]url.Values{},
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/{id}", s.serveFile)
	mux.HandleFunc("GET /files/{id}/{name}", s.serveFile)
	mux.HandleFunc("/", s.serveGraph)
	s.srv = httptest.NewServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// URL is the base URL, ending in "/", to use as the client's BaseURL.
func (s *Server) URL() string { return s.srv.URL + "/" }

// Close stops the server (also done by Cleanup), e.g. to test connection errors.
func (s *Server) Close() { s.srv.Close() }

// PageID is the id of the one page the server serves.
func (s *Server) PageID() string { s.mu.Lock(); defer s.mu.Unlock(); return s.pageID }

// Page returns the page as a Person (the sender of staff answers).
func (s *Server) Page() Person {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Person{ID: s.pageID, Name: s.pageName}
}

// SetToken sets the one page access token the server accepts.
func (s *Server) SetToken(valid string) { s.mu.Lock(); s.token = valid; s.mu.Unlock() }

// Token is the accepted page access token.
func (s *Server) Token() string { s.mu.Lock(); defer s.mu.Unlock(); return s.token }

// AppSecret is the app secret appsecret_proof must be made with.
func (s *Server) AppSecret() string { s.mu.Lock(); defer s.mu.Unlock(); return s.appSecret }

// SetPageSize sets the default page size (a request's limit wins).
func (s *Server) SetPageSize(n int) { s.mu.Lock(); s.pageSize = max(n, 1); s.mu.Unlock() }

// EmptyPageEvery inserts an empty data page (with a paging.next) after every
// n pages with data; 0 turns it off.
func (s *Server) EmptyPageEvery(n int) { s.mu.Lock(); s.emptyEvery = max(n, 0); s.mu.Unlock() }

// FailNext makes the next times requests to path (like "/t_1/messages",
// without the version; "*" for any Graph path) answer status with body.
// A body starting with "{" is sent as JSON, anything else as text/html.
// Use ErrorBody for Graph's error JSON.
func (s *Server) FailNext(path string, times int, status int, body string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail[path] = append(s.fail[path], &failure{times: times, status: status, body: body})
}

// ErrorBody is Graph's error JSON.
func ErrorBody(code, subcode int, typ, message string) string {
	e := map[string]any{"message": message, "type": typ, "code": code, "fbtrace_id": "AbCdEfGhIjK"}
	if subcode != 0 {
		e["error_subcode"] = subcode
	}
	if code == 1 || code == 2 {
		e["is_transient"] = true
	}
	b, _ := json.Marshal(map[string]any{"error": e})
	return string(b)
}

// SetUsage sets the usage headers sent with every answer: X-App-Usage and
// X-Page-Usage with all three counters at app and page percent, and
// X-Business-Use-Case-Usage as buc (nil: not sent). Negative app or page
// leaves that header out.
func (s *Server) SetUsage(app, page int, buc map[string]any) {
	h := http.Header{}
	counters := func(p int) string {
		return fmt.Sprintf(`{"call_count":%d,"total_cputime":%d,"total_time":%d}`, p, p, p)
	}
	if app >= 0 {
		h.Set("X-App-Usage", counters(app))
	}
	if page >= 0 {
		h.Set("X-Page-Usage", counters(page))
	}
	if buc != nil {
		b, err := json.Marshal(buc)
		if err != nil {
			s.t.Errorf("graphfake: business use case usage: %v", err)
		}
		h.Set("X-Business-Use-Case-Usage", string(b))
	}
	s.mu.Lock()
	s.usage = h
	s.mu.Unlock()
}

// Requests counts the requests to path (without the version, like
// "/t_1/messages" or "/files/123"); "*" counts all.
func (s *Server) Requests(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if path == "*" {
		n := 0
		for _, c := range s.requests {
			n += c
		}
		return n
	}
	return s.requests[path]
}

// LastQuery is the query of the last request to path (without the version).
func (s *Server) LastQuery(path string) url.Values {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastQueries[path]
}

// Proof is the appsecret_proof for token and secret.
func Proof(token, secret string) string {
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(token))
	return hex.EncodeToString(h.Sum(nil))
}

// now advances the server's clock by a second and returns it; mu held.
func (s *Server) now() time.Time {
	s.clock = s.clock.Add(time.Second)
	return s.clock
}

func (s *Server) nextID() int { s.seq++; return s.seq }

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// messageID is a realistic looking "m_..." id; mu held.
func (s *Server) messageID() string {
	n := uint64(s.nextID())*0x9E3779B97F4A7C15 + 0x1234567
	b := []byte("m_")
	for i := 0; i < 22; i++ {
		b = append(b, idAlphabet[n%64])
		n = n/64 ^ uint64(i+1)*0xBF58476D1CE4E5B9
	}
	return string(b)
}

// AddConversation adds an empty conversation (its participants besides the
// page, which is added). An existing one is left as it is.
func (s *Server) AddConversation(id string, participants ...Person) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.convs[id]; ok {
		return
	}
	ps := append([]Person{}, participants...)
	ps = append(ps, Person{ID: s.pageID, Name: s.pageName})
	s.convs[id] = &conversation{id: id, updated: s.now(), participants: ps}
}

// AddMessage adds a message to a conversation (created if missing) and sets
// the conversation's updated_time. It returns the message id.
func (s *Server) AddMessage(convID string, m Message) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[convID]
	if !ok {
		c = &conversation{id: convID, participants: []Person{m.From, {ID: s.pageID, Name: s.pageName}}}
		s.convs[convID] = c
	}
	if m.ID == "" {
		m.ID = s.messageID()
	}
	if m.CreatedTime.IsZero() {
		m.CreatedTime = s.now()
	} else if m.CreatedTime.After(s.clock) {
		s.clock = m.CreatedTime
	}
	m.Attachments = s.register(m.Attachments)
	c.messages = append(c.messages, &m)
	if m.CreatedTime.After(c.updated) {
		c.updated = m.CreatedTime
	}
	return m.ID
}

// register gives attachments ids and keeps them for /files; mu held.
func (s *Server) register(as []Attachment) []Attachment {
	out := make([]Attachment, len(as))
	for i, a := range as {
		if a.ID == "" {
			a.ID = strconv.Itoa(900000000000 + s.nextID())
		}
		if a.Data != nil {
			a.Size = int64(len(a.Data))
		}
		s.files[a.ID] = a
		out[i] = a
	}
	return out
}

// DeleteMessage removes a message; it vanishes from the answers. It reports
// whether it existed.
func (s *Server) DeleteMessage(convID, msgID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.convs[convID]
	if !ok {
		return false
	}
	for i, m := range c.messages {
		if m.ID == msgID {
			c.messages = append(c.messages[:i], c.messages[i+1:]...)
			return true
		}
	}
	return false
}

// DeleteConversation removes a conversation and its messages.
func (s *Server) DeleteConversation(convID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.convs[convID]
	delete(s.convs, convID)
	return ok
}

// AddPost adds a post to the page's feed and returns its id
// ("{page-id}_{n}" unless given).
func (s *Server) AddPost(p Post) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.ID == "" {
		p.ID = fmt.Sprintf("%s_%d", s.pageID, 700000000000+s.nextID())
	}
	if p.CreatedTime.IsZero() {
		p.CreatedTime = s.now()
	}
	if p.UpdatedTime.IsZero() {
		p.UpdatedTime = p.CreatedTime
	}
	if p.From.ID == "" {
		p.From = Person{ID: s.pageID, Name: s.pageName}
	}
	p.Attachments = s.register(p.Attachments)
	s.posts[p.ID] = &post{Post: p}
	return p.ID
}

// DeletePost removes a post and its comments.
func (s *Server) DeletePost(postID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.posts[postID]
	delete(s.posts, postID)
	return ok
}

// AddComment adds a comment to a post and returns its id
// ("{post-n}_{n}" unless given). It fails the test for an unknown post.
func (s *Server) AddComment(postID string, c Comment) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[postID]
	if !ok {
		s.t.Errorf("graphfake: AddComment to unknown post %q", postID)
		return ""
	}
	if c.ID == "" {
		_, n, _ := strings.Cut(postID, "_")
		c.ID = fmt.Sprintf("%s_%d", n, 800000000000+s.nextID())
	}
	if c.CreatedTime.IsZero() {
		c.CreatedTime = s.now()
	}
	if c.Attachment != nil {
		a := s.register([]Attachment{*c.Attachment})[0]
		c.Attachment = &a
	}
	p.comments = append(p.comments, &c)
	if c.CreatedTime.After(p.UpdatedTime) {
		p.UpdatedTime = c.CreatedTime
	}
	return c.ID
}

// DeleteComment removes a comment.
func (s *Server) DeleteComment(postID, commentID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.posts[postID]
	if !ok {
		return false
	}
	for i, c := range p.comments {
		if c.ID == commentID {
			p.comments = append(p.comments[:i], p.comments[i+1:]...)
			return true
		}
	}
	return false
}

var versionRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// serveGraph answers /{version}/{id}/{edge}.
func (s *Server) serveGraph(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	key := r.URL.Path
	if len(parts) >= 1 && versionRE.MatchString(parts[0]) {
		key = "/" + strings.Join(parts[1:], "/")
	}
	q := r.URL.Query()

	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests[key]++
	s.lastQueries[key] = q
	for k, v := range s.usage {
		w.Header()[k] = v
	}
	if f := s.takeFailure(key); f != nil {
		if strings.HasPrefix(strings.TrimSpace(f.body), "{") {
			w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		} else {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
		return
	}
	if r.Method != http.MethodGet {
		s.graphError(w, 400, 100, 0, "GraphMethodException", "Unsupported "+strings.ToLower(r.Method)+" request.")
		return
	}
	if len(parts) != 3 || !versionRE.MatchString(parts[0]) {
		s.graphError(w, 400, 2500, 0, "OAuthException", "Unknown path components: "+r.URL.Path)
		return
	}
	token := q.Get("access_token")
	if token == "" {
		if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			token = b
		}
	}
	if token == "" {
		s.graphError(w, 400, 104, 0, "OAuthException", "An access token is required to request this resource.")
		return
	}
	if token != s.token {
		s.graphError(w, 400, 190, 463, "OAuthException",
			"Error validating access token: Session has expired on Tuesday, 01-Dec-26 10:00:00 PST. The current time is Tuesday, 01-Dec-26 11:00:00 PST.")
		return
	}
	if !hmac.Equal([]byte(q.Get("appsecret_proof")), []byte(Proof(token, s.appSecret))) {
		s.graphError(w, 400, 100, 0, "GraphMethodException", "Invalid appsecret_proof provided in the API argument")
		return
	}
	id, edge := parts[1], parts[2]
	var items []item
	switch {
	case edge == "conversations" && id == s.pageID:
		items = s.conversationItems()
	case edge == "messages" && s.convs[id] != nil:
		items = s.messageItems(s.convs[id])
	case edge == "feed" && id == s.pageID:
		items = s.feedItems(q)
	case edge == "comments" && s.posts[id] != nil:
		items = s.commentItems(s.posts[id], q)
	default:
		s.graphError(w, 400, 100, 33, "GraphMethodException",
			fmt.Sprintf("Unsupported get request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation.", id))
		return
	}
	s.writePage(w, r, items)
}

func (s *Server) takeFailure(key string) *failure {
	for _, k := range []string{key, "*"} {
		list := s.fail[k]
		if len(list) == 0 {
			continue
		}
		f := list[0]
		f.times--
		if f.times <= 0 {
			s.fail[k] = list[1:]
		}
		return f
	}
	return nil
}

func (s *Server) graphError(w http.ResponseWriter, status, code, subcode int, typ, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.Header().Set("WWW-Authenticate", `OAuth "Facebook Platform" "invalid_request" "`+msg+`"`)
	w.WriteHeader(status)
	fmt.Fprint(w, ErrorBody(code, subcode, typ, msg))
}

// item is one answer object with its position in the edge's order.
type item struct {
	key  string // sorts ascending in answer order; unique
	json map[string]any
}

func ts(t time.Time) string { return t.UTC().Format(TimeFormat) }

// sortKey orders by time (desc when newestFirst) then by a tie-breaker.
func sortKey(t time.Time, newestFirst bool, tie string) string {
	n := t.UnixNano()
	if newestFirst {
		n = -n
	}
	return fmt.Sprintf("%020d|%s", uint64(n)^(1<<63), tie)
}

func (s *Server) conversationItems() []item {
	out := make([]item, 0, len(s.convs))
	for _, c := range s.convs {
		out = append(out, item{key: sortKey(c.updated, true, c.id), json: map[string]any{
			"id":            c.id,
			"updated_time":  ts(c.updated),
			"message_count": len(c.messages),
			"participants":  map[string]any{"data": people(c.participants)},
		}})
	}
	return out
}

func people(ps []Person) []map[string]any {
	out := make([]map[string]any, 0, len(ps))
	for _, p := range ps {
		out = append(out, person(p))
	}
	return out
}

func person(p Person) map[string]any {
	m := map[string]any{"id": p.ID, "name": p.Name}
	if p.Email != "" {
		m["email"] = p.Email
	} else if p.ID != "" {
		m["email"] = p.ID + "@facebook.com"
	}
	return m
}

func (s *Server) messageItems(c *conversation) []item {
	out := make([]item, 0, len(c.messages))
	for _, m := range c.messages {
		j := map[string]any{
			"id":           m.ID,
			"created_time": ts(m.CreatedTime),
			"message":      m.Text,
			"from":         person(m.From),
		}
		to := m.To
		if len(to) == 0 {
			for _, p := range c.participants {
				if p.ID != m.From.ID {
					to = append(to, p)
				}
			}
		}
		j["to"] = map[string]any{"data": people(to)}
		if len(m.Attachments) > 0 {
			var data []map[string]any
			for _, a := range m.Attachments {
				data = append(data, s.messageAttachment(a))
			}
			j["attachments"] = map[string]any{"data": data}
		}
		if m.Sticker != "" {
			j["sticker"] = m.Sticker
		}
		if len(m.Shares) > 0 {
			var data []map[string]any
			for _, l := range m.Shares {
				data = append(data, map[string]any{"link": l, "name": l})
			}
			j["shares"] = map[string]any{"data": data}
		}
		out = append(out, item{key: sortKey(m.CreatedTime, true, m.ID), json: j})
	}
	return out
}

func (s *Server) fileURL(a Attachment) string {
	return s.URL() + "files/" + a.ID + "/" + url.PathEscape(a.Name)
}

// messageAttachment is a Messenger attachment: images carry image_data,
// videos video_data, other files file_url.
func (s *Server) messageAttachment(a Attachment) map[string]any {
	j := map[string]any{"id": a.ID, "mime_type": a.MimeType, "name": a.Name, "size": a.Size}
	u := s.fileURL(a)
	switch kind(a) {
	case "image":
		j["image_data"] = map[string]any{"url": u, "preview_url": u, "width": 1024, "height": 768, "max_width": 1024, "max_height": 768}
	case "video":
		j["video_data"] = map[string]any{"url": u, "preview_url": u, "width": 640, "height": 360, "length": 12}
	default:
		j["file_url"] = u
	}
	return j
}

func kind(a Attachment) string {
	if a.Kind != "" {
		return a.Kind
	}
	switch {
	case strings.HasPrefix(a.MimeType, "image/"):
		return "image"
	case strings.HasPrefix(a.MimeType, "video/"):
		return "video"
	case strings.HasPrefix(a.MimeType, "audio/"):
		return "audio"
	}
	return "file"
}

// storyAttachment is an attachment of a post or comment.
func (s *Server) storyAttachment(a Attachment) map[string]any {
	u := s.fileURL(a)
	j := map[string]any{"target": map[string]any{"id": a.ID, "url": u}, "title": a.Name, "url": u}
	switch k := kind(a); k {
	case "image", "photo":
		j["type"], j["media_type"] = "photo", "photo"
		j["media"] = map[string]any{"image": map[string]any{"src": u, "width": 720, "height": 480}}
	case "video", "video_inline":
		j["type"], j["media_type"] = "video_inline", "video"
		j["media"] = map[string]any{"image": map[string]any{"src": u}, "source": u}
	case "share":
		j["type"], j["media_type"] = "share", "link"
	default:
		j["type"], j["media_type"] = "file_upload", "file"
	}
	return j
}

func sinceOf(q url.Values) (time.Time, bool) {
	v := q.Get("since")
	if v == "" {
		return time.Time{}, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}

func (s *Server) feedItems(q url.Values) []item {
	since, hasSince := sinceOf(q)
	var out []item
	for _, p := range s.posts {
		if hasSince && p.CreatedTime.Before(since) {
			continue
		}
		j := map[string]any{
			"id":            p.ID,
			"created_time":  ts(p.CreatedTime),
			"updated_time":  ts(p.UpdatedTime),
			"from":          person(p.From),
			"permalink_url": "https://www.facebook.com/" + strings.Replace(p.ID, "_", "/posts/", 1),
		}
		delete(j["from"].(map[string]any), "email")
		if p.Text != "" {
			j["message"] = p.Text
		}
		if len(p.Attachments) == 1 {
			j["attachments"] = map[string]any{"data": []any{s.storyAttachment(p.Attachments[0])}}
		} else if len(p.Attachments) > 1 {
			var sub []any
			for _, a := range p.Attachments {
				sub = append(sub, s.storyAttachment(a))
			}
			j["attachments"] = map[string]any{"data": []any{map[string]any{
				"type": "album", "media_type": "album", "title": "Album",
				"subattachments": map[string]any{"data": sub},
			}}}
		}
		out = append(out, item{key: sortKey(p.CreatedTime, true, p.ID), json: j})
	}
	return out
}

func (s *Server) commentItems(p *post, q url.Values) []item {
	since, hasSince := sinceOf(q)
	stream := q.Get("filter") == "stream"
	newestFirst := q.Get("order") == "reverse_chronological"
	var out []item
	for _, c := range p.comments {
		if !stream && c.ParentID != "" {
			continue // toplevel: replies only under their comment
		}
		if hasSince && c.CreatedTime.Before(since) {
			continue
		}
		j := map[string]any{
			"id":            c.ID,
			"created_time":  ts(c.CreatedTime),
			"from":          person(c.From),
			"message":       c.Text,
			"permalink_url": "https://www.facebook.com/" + strings.Replace(p.ID, "_", "/posts/", 1) + "?comment_id=" + c.ID,
		}
		delete(j["from"].(map[string]any), "email")
		if c.ParentID != "" {
			j["parent"] = map[string]any{"id": c.ParentID}
		}
		if c.Attachment != nil {
			j["attachment"] = s.storyAttachment(*c.Attachment)
		}
		out = append(out, item{key: sortKey(c.CreatedTime, newestFirst, c.ID), json: j})
	}
	return out
}

// cursor is what before/after encode: the key of an item, and the number of
// pages served in this walk (for EmptyPageEvery).
type cursor struct {
	Key  string `json:"k"`
	Page int    `json:"p"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, bool) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil {
		return cursor{}, false
	}
	return c, true
}

// writePage answers one page of items after the cursor in ?after, as Graph
// does: data, paging.cursors and paging.next only when more may follow.
func (s *Server) writePage(w http.ResponseWriter, r *http.Request, items []item) {
	q := r.URL.Query()
	sort.Slice(items, func(i, j int) bool { return items[i].key < items[j].key })
	limit := s.pageSize
	if v, err := strconv.Atoi(q.Get("limit")); err == nil && v > 0 {
		limit = min(v, 100)
	}
	var cur cursor
	if a := q.Get("after"); a != "" {
		c, ok := decodeCursor(a)
		if !ok {
			s.graphError(w, 400, 100, 0, "OAuthException", "Invalid cursor")
			return
		}
		cur = c
	}
	start := sort.Search(len(items), func(i int) bool { return items[i].key > cur.Key })
	if cur.Key == "" {
		start = 0
	}
	page := []map[string]any{}
	emptyPage := s.emptyEvery > 0 && cur.Page > 0 && cur.Page%(s.emptyEvery+1) == s.emptyEvery
	end := start
	if !emptyPage {
		end = min(start+limit, len(items))
		for _, it := range items[start:end] {
			page = append(page, it.json)
		}
	}
	body := map[string]any{"data": page}
	lastKey := cur.Key
	if end > start {
		lastKey = items[end-1].key
	}
	paging := map[string]any{}
	if end > start {
		paging["cursors"] = map[string]any{
			"before": encodeCursor(cursor{Key: items[start].key, Page: cur.Page}),
			"after":  encodeCursor(cursor{Key: lastKey, Page: cur.Page + 1}),
		}
	}
	if end < len(items) {
		nq := url.Values{}
		for k, v := range q {
			nq[k] = v
		}
		nq.Del("appsecret_proof")
		nq.Set("limit", strconv.Itoa(limit))
		nq.Set("after", encodeCursor(cursor{Key: lastKey, Page: cur.Page + 1}))
		paging["next"] = s.srv.URL + r.URL.Path + "?" + nq.Encode()
	}
	if len(paging) > 0 {
		body["paging"] = paging
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if err := json.NewEncoder(w).Encode(body); err != nil {
		s.t.Logf("graphfake: write page: %v", err)
	}
}

// serveFile serves an attachment's bytes. Files are public (like Facebook's
// CDN URLs, which are signed instead).
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	s.requests["/files/"+id]++
	a, ok := s.files[id]
	s.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	if a.MimeType != "" {
		w.Header().Set("Content-Type", a.MimeType)
	} else {
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	data := a.Data
	if data == nil {
		data = fileBytes(a.ID, a.Size)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// fileBytes is size deterministic bytes for an attachment without Data.
func fileBytes(id string, size int64) []byte {
	b := make([]byte, size)
	x := uint32(2166136261)
	for i := 0; i < len(id); i++ {
		x = (x ^ uint32(id[i])) * 16777619
	}
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}
