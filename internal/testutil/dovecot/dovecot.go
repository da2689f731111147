// Package dovecot starts a real Dovecot IMAP server for tests, each with its
// own configuration, mail store, sockets and log under t.TempDir(), on a
// random loopback port, so that several run in parallel and nothing touches
// /etc/dovecot or /var/run.
//
// Dovecot comes from Debian's dovecot-imapd (2.3). When it is not installed
// the test is skipped, unless CI=true (or 1): then the test fails, as a
// silent skip would hide that nothing was tested.
//
// Every user name logs in, with the password that User returns; mail is
// stored as Maildir and owned by an unprivileged user, because Dovecot
// refuses to run mail processes as root.
//
// It imports no meldpunt package.
package dovecot

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/testutil/ci"
)

// Paths of the Debian binaries.
const (
	DovecotBin = "/usr/sbin/dovecot"
	DoveadmBin = "/usr/bin/doveadm"
)

// Server is a running Dovecot.
type Server struct {
	dir     string // the test's temp dir: config, run/, state/, log/, mail/
	config  string
	addr    string
	secret  string // every password is "<user>-<secret>"
	mailUID int
	mailGID int

	mu      sync.Mutex
	proc    *exec.Cmd
	exited  chan struct{}
	fileSeq uint64 // names of files AppendMany writes, so they sort in order
}

// Start runs a Dovecot for the test and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	requireInstalled(t)

	dir := t.TempDir()
	// The mail processes run as an unprivileged user, which must be able to
	// reach the mail directory inside the test's temp dir.
	for _, d := range []string{dir, filepath.Dir(dir)} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
	}
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand documents it)
	s := &Server{dir: dir, config: filepath.Join(dir, "dovecot.conf"), secret: hex.EncodeToString(b[:])}
	var err error
	s.mailUID, s.mailGID, err = mailOwner()
	if err != nil {
		t.Fatalf("dovecot: %v", err)
	}
	for _, sub := range []string{"run", "state", "log", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
	}
	if err := os.Chown(filepath.Join(dir, "mail"), s.mailUID, s.mailGID); err != nil {
		t.Fatalf("dovecot: %v", err)
	}

	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("dovecot log (%s):\n%s", s.LogPath(), tail(s.LogPath(), 40))
		}
		s.kill()
	})

	// A port picked from a closed listener can be taken again before
	// Dovecot binds it: then pick another.
	var lastErr error
	for range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		s.addr = net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		if err := s.writeConfig(port); err != nil {
			t.Fatalf("dovecot: %v", err)
		}
		lastErr = s.start()
		if lastErr == nil {
			return s
		}
		if !strings.Contains(lastErr.Error(), "in use") {
			break
		}
	}
	t.Fatalf("dovecot: %v", lastErr)
	return nil
}

func requireInstalled(t testing.TB) {
	t.Helper()
	var missing []string
	for _, bin := range []string{DovecotBin, DoveadmBin} {
		if _, err := os.Stat(bin); err != nil {
			missing = append(missing, bin)
		}
	}
	if len(missing) == 0 {
		return
	}
	ci.Missing(t, "dovecot: %s not installed (apt-get install dovecot-imapd)", strings.Join(missing, ", "))
}

// mailOwner is the unprivileged user that owns the mail: nobody when
// running as root, otherwise the current user.
func mailOwner() (uid, gid int, err error) {
	if os.Geteuid() != 0 {
		return os.Geteuid(), os.Getegid(), nil
	}
	u, err := user.Lookup("nobody")
	if err != nil {
		return 0, 0, fmt.Errorf("look up user nobody: %w", err)
	}
	uid, err = strconv.Atoi(u.Uid)
	if err != nil {
		return 0, 0, fmt.Errorf("uid of nobody: %w", err)
	}
	gid, err = strconv.Atoi(u.Gid)
	if err != nil {
		return 0, 0, fmt.Errorf("gid of nobody: %w", err)
	}
	return uid, gid, nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// Addr is the IMAP address, host:port.
func (s *Server) Addr() string { return s.addr }

// Host is the IMAP host (127.0.0.1).
func (s *Server) Host() string {
	host, _, _ := net.SplitHostPort(s.addr)
	return host
}

// Port is the IMAP port.
func (s *Server) Port() int {
	_, port, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(port)
	return n
}

// User returns the login of a mailbox user. Every name (letters, digits,
// '.', '-', '_') is a valid user; its mailbox is created on first use.
func (s *Server) User(name string) (user, password string) {
	return name, name + "-" + s.secret
}

// Dir is the test's temp dir with the configuration, mail and log.
func (s *Server) Dir() string { return s.dir }

// ConfigPath is the configuration file, for `doveadm -c`.
func (s *Server) ConfigPath() string { return s.config }

// LogPath is Dovecot's log file.
func (s *Server) LogPath() string { return filepath.Join(s.dir, "log", "dovecot.log") }

// Stop stops Dovecot; open connections are closed. It is safe to call more
// than once.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = s.proc.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.proc.Process.Kill()
		<-s.exited
	}
	// The master may leave before its children (an imap process still
	// answering a client): end every process of its group, so that after
	// Stop no connection is served.
	_ = syscall.Kill(-s.proc.Process.Pid, syscall.SIGKILL)
	s.proc = nil
}

// kill ends Dovecot at once, when the test is over and a graceful stop
// would only cost time.
func (s *Server) kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return
	}
	_ = syscall.Kill(-s.proc.Process.Pid, syscall.SIGKILL)
	<-s.exited
	s.proc = nil
}

// Restart stops Dovecot and starts it again on the same address with the
// same mail.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	var err error
	for range 50 {
		if err = s.start(); err == nil || !strings.Contains(err.Error(), "in use") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("dovecot: restart: %v", err)
	}
}

func (s *Server) start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("already running")
	}
	cmd := exec.Command(DovecotBin, "-F", "-c", s.config)
	// A file, not a pipe: Dovecot's children inherit it, and a pipe would
	// keep cmd.Wait waiting for all of them.
	stderrPath := filepath.Join(s.dir, "log", "stderr.log")
	stderr, err := os.OpenFile(stderrPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer stderr.Close()
	cmd.Stdout = stderr
	cmd.Stderr = stderr
	// If the test binary dies, Dovecot goes with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM, Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", DovecotBin, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit is reported through exited; its status means nothing here
		close(exited)
	}()
	s.proc, s.exited = cmd, exited

	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-exited:
			s.proc = nil
			return fmt.Errorf("dovecot exited at start: %s%s", tail(stderrPath, 10), tail(s.LogPath(), 10))
		default:
		}
		if greeted(s.addr) {
			return nil
		}
		if time.Now().After(deadline) {
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
			s.proc = nil
			return fmt.Errorf("dovecot not ready on %s after 20s: %s%s", s.addr, tail(stderrPath, 10), tail(s.LogPath(), 10))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// greeted reports whether the server answers with its "ready" greeting;
// before the auth process is up, Dovecot greets with "Waiting for
// authentication process to respond".
func greeted(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(2 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "* OK") && strings.Contains(line, "ready")
}

func tail(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

func (s *Server) writeConfig(port int) error {
	internalUser, loginUser := "dovecot", "dovenull"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return fmt.Errorf("current user: %w", err)
		}
		internalUser, loginUser = u.Username, u.Username
	} else {
		// Debian's package creates both; on a system without them the
		// unprivileged mail user serves as well.
		for _, name := range []*string{&internalUser, &loginUser} {
			if _, err := user.Lookup(*name); err != nil {
				*name = "nobody"
			}
		}
	}
	cfg := fmt.Sprintf(configTemplate,
		filepath.Base(s.dir)+"-"+strconv.Itoa(port), // instance_name
		s.dir, s.dir, s.dir,
		internalUser, loginUser,
		s.mailUID, s.mailGID,
		s.dir,
		s.secret,
		s.mailUID, s.mailGID, s.dir,
		port,
	)
	return os.WriteFile(s.config, []byte(cfg), 0o644)
}

// configTemplate is a complete Dovecot 2.3 configuration: nothing is read
// from /etc/dovecot.
const configTemplate = `# written by internal/testutil/dovecot
instance_name = %s
base_dir = %s/run
state_dir = %s/state
log_path = %s/log/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_failure_delay = 0
auth_mechanisms = plain login
default_internal_user = %s
default_login_user = %s
first_valid_uid = %d
last_valid_uid = 0
first_valid_gid = %d
mail_location = maildir:%s/mail/%%u
mail_fsync = never
mail_max_userip_connections = 200
passdb {
  driver = static
  args = password=%%u-%s
}
userdb {
  driver = static
  args = uid=%d gid=%d home=%s/mail/%%u
}
# No growing delay after failed logins from one address (the penalty):
# tests try wrong passwords on purpose.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %d
  }
  inet_listener imaps {
    port = 0
  }
}
`
