package bus_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"

	"github.com/meldpunt/meldpunt/internal/bus"
)

// TestConnectTLS runs a NATS server that requires TLS with client
// certificates (the tls block of configs/nats/server.conf, verify: true)
// and connects to it with the [nats] settings ca_file, cert_file and
// key_file.
func TestConnectTLS(t *testing.T) {
	t.Parallel()
	pki := newTestPKI(t)
	url := startTLSServer(t, pki)

	for _, tc := range []struct {
		name    string
		url     string
		cfg     bus.Config
		wantErr string // empty: connects, sets up the stream and publishes
	}{
		{name: "ca and client certificate", url: url, cfg: bus.Config{CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey}},
		{name: "nats scheme upgrades to tls", url: strings.Replace(url, "tls://", "nats://", 1), cfg: bus.Config{CAFile: pki.caFile, CertFile: pki.clientCert, KeyFile: pki.clientKey}},
		{name: "server certificate not trusted", url: url, cfg: bus.Config{CertFile: pki.clientCert, KeyFile: pki.clientKey}, wantErr: "certificate signed by unknown authority"},
		{name: "no client certificate", url: url, cfg: bus.Config{CAFile: pki.caFile}, wantErr: "tls"}, // with TLS 1.3 the refusal may come after the handshake, as a closed connection
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.cfg.URL = tc.url
			tc.cfg.Name = "tls-test"
			wait := 30 * time.Second
			if tc.wantErr != "" {
				wait = 3 * time.Second // Connect keeps trying until ctx ends
			}
			ctx, cancel := context.WithTimeout(t.Context(), wait)
			defer cancel()
			b, err := bus.Connect(ctx, tc.cfg, slog.New(slog.DiscardHandler))
			if tc.wantErr != "" {
				if err == nil {
					b.Close()
					t.Fatalf("Connect succeeded, want an error with %q", tc.wantErr)
				}
				t.Logf("Connect: %v", err)
				if !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Connect error %q, want %q in it", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Connect: %v", err)
			}
			defer b.Close()
			if !b.Conn().TLSRequired() {
				t.Error("connection does not use TLS")
			}
			if err := b.Ensure(ctx); err != nil {
				t.Fatal(err)
			}
			if _, err := b.PublishEvent(ctx, testEvent("gemeentebestuur", "<tls@example.org>")); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// startTLSServer starts a NATS server with JetStream from a configuration
// file, as in production, that accepts only TLS clients with a certificate
// signed by the test CA, and returns its tls:// URL.
func startTLSServer(t *testing.T, pki testPKI) string {
	t.Helper()
	dir := t.TempDir()
	conf := fmt.Sprintf(`listen: 127.0.0.1:-1
jetstream { store_dir: %q }
tls {
  cert_file: %q
  key_file: %q
  ca_file: %q
  verify: true
  timeout: 2
}
`, filepath.Join(dir, "js"), pki.serverCert, pki.serverKey, pki.caFile)
	path := filepath.Join(dir, "server.conf")
	if err := os.WriteFile(path, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, err := server.ProcessConfigFile(path)
	if err != nil {
		t.Fatalf("nats-server configuration: %v", err)
	}
	opts.NoSigs, opts.NoLog = true, true
	srv, err := server.NewServer(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(func() {
		srv.Shutdown()
		srv.WaitForShutdown()
	})
	if !srv.ReadyForConnections(10 * time.Second) {
		t.Fatal("TLS server not ready")
	}
	return strings.Replace(srv.ClientURL(), "nats://", "tls://", 1)
}

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, as PEM files.
type testPKI struct {
	caFile, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "meldpunt test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	pki := testPKI{caFile: filepath.Join(dir, "ca.pem")}
	writePEM(t, pki.caFile, "CERTIFICATE", caDER)

	issue := func(serial int64, name string, usage x509.ExtKeyUsage, ips []net.IP) (certFile, keyFile string) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(24 * time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile = filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "EC PRIVATE KEY", keyDER)
		return certFile, keyFile
	}
	pki.serverCert, pki.serverKey = issue(2, "nats-server", x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	pki.clientCert, pki.clientKey = issue(3, "ingest-mail", x509.ExtKeyUsageClientAuth, nil)
	return pki
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, path, kind string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}
