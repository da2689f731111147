package imap_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
	"github.com/emersion/go-sasl"
)

// memServer is go-imap's in-memory server with one user, for what Dovecot
// cannot easily show: XOAUTH2, TLS, servers without MOVE.
type memServer struct {
	addr     string
	user     *imapmemserver.User
	username string
	password string

	mu     sync.Mutex
	tokens map[string]bool // bearer tokens the server accepts
	seen   []string        // bearer tokens presented, in order
}

type memOptions struct {
	caps      imap.CapSet // default IMAP4rev1 with MOVE and UIDPLUS
	tls       *tls.Config // serve implicit TLS
	startTLS  *tls.Config // offer STARTTLS and refuse to log in without it
	noXOAUTH2 bool
}

func startMemServer(t *testing.T, o memOptions) *memServer {
	t.Helper()
	m := &memServer{username: "gemeentebestuur@example.gov", password: "geheim", tokens: map[string]bool{}}
	m.user = imapmemserver.NewUser(m.username, m.password)
	for _, name := range []string{"INBOX", "Behandeld"} {
		if err := m.user.Create(name, nil); err != nil {
			t.Fatal(err)
		}
	}
	caps := o.caps
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapMove: {}, imap.CapUIDPlus: {}}
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return &memSession{server: m, xoauth2: !o.noXOAUTH2}, nil, nil
		},
		Caps:         caps,
		TLSConfig:    o.startTLS,
		InsecureAuth: o.startTLS == nil,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if o.tls != nil {
		ln = tls.NewListener(ln, o.tls)
	}
	m.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }() // Serve ends with an error when Close is called
	t.Cleanup(func() { srv.Close() })
	return m
}

func (m *memServer) acceptToken(token string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.tokens[token] = true
}

func (m *memServer) presented() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.seen...)
}

func (m *memServer) append(t *testing.T, mailbox string, raw []byte) {
	t.Helper()
	if _, err := m.user.Append(mailbox, literal{bytes.NewReader(raw)}, &imap.AppendOptions{}); err != nil {
		t.Fatal(err)
	}
}

type literal struct{ *bytes.Reader }

func (l literal) Size() int64 { return l.Reader.Size() }

// memSession is a memory session that also logs in with XOAUTH2.
type memSession struct {
	*imapmemserver.UserSession // nil until logged in
	server                     *memServer
	xoauth2                    bool
}

func (s *memSession) Login(username, password string) error {
	if err := s.server.user.Login(username, password); err != nil {
		return err
	}
	s.UserSession = imapmemserver.NewUserSession(s.server.user)
	return nil
}

func (s *memSession) AuthenticateMechanisms() []string {
	if !s.xoauth2 {
		return []string{sasl.Plain}
	}
	return []string{sasl.Plain, "XOAUTH2"}
}

func (s *memSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			return s.Login(username, password)
		}), nil
	case "XOAUTH2":
		if s.xoauth2 {
			return &xoauth2Server{session: s}, nil
		}
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "unsupported mechanism"}
}

// xoauth2Server is the server side of XOAUTH2 as Gmail and Exchange
// behave: a bad token gets a base64 JSON challenge, and after the client's
// empty answer, NO.
type xoauth2Server struct {
	session *memSession
	failed  bool
}

func (x *xoauth2Server) Next(response []byte) (challenge []byte, done bool, err error) {
	if x.failed {
		if len(response) != 0 {
			return nil, true, &imap.Error{Type: imap.StatusResponseTypeBad, Text: "expected an empty response"}
		}
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "AUTHENTICATE failed."}
	}
	if response == nil {
		return nil, false, nil // ask for the initial response
	}
	user, token, ok := parseXOAUTH2(response)
	m := x.session.server
	m.mu.Lock()
	m.seen = append(m.seen, token)
	valid := ok && user == m.username && m.tokens[token]
	m.mu.Unlock()
	if !valid {
		x.failed = true
		challenge, _ := json.Marshal(map[string]string{"status": "401", "schemes": "bearer", "scope": "https://outlook.office365.com/.default"})
		return challenge, false, nil
	}
	return nil, true, x.session.Login(m.username, m.password)
}

func parseXOAUTH2(b []byte) (user, token string, ok bool) {
	s, found := strings.CutSuffix(string(b), "\x01\x01")
	if !found {
		return "", "", false
	}
	userPart, authPart, found := strings.Cut(s, "\x01")
	if !found {
		return "", "", false
	}
	user, ok1 := strings.CutPrefix(userPart, "user=")
	token, ok2 := strings.CutPrefix(authPart, "auth=Bearer ")
	return user, token, ok1 && ok2
}

// selfSigned returns a server certificate for 127.0.0.1 and a client
// configuration that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "imap.test"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool}
	return server, client
}
