package cli_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binaries builds the commands once for the package's tests.
var binaries = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "meldpunt-bin-")
	if err != nil {
		return "", err
	}
	out, err := exec.Command("go", "build", "-o", dir+"/", "github.com/meldpunt/meldpunt/cmd/registry", "github.com/meldpunt/meldpunt/cmd/ingest-mail", "github.com/meldpunt/meldpunt/cmd/ingest-facebook", "github.com/meldpunt/meldpunt/cmd/ingest-eloket").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return dir, nil
})

func binary(t testing.TB, name string) string {
	t.Helper()
	dir, err := binaries()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, name)
}

func registryBinary(t *testing.T) string { return binary(t, "registry") }

func TestMain(m *testing.M) {
	code := m.Run()
	if dir, err := binaries(); err == nil && dir != "" {
		os.RemoveAll(dir)
	}
	os.Exit(code)
}

// child is a registry process.
type child struct {
	t        *testing.T
	name     string
	cmd      *exec.Cmd
	httpAddr chan string
	exited   chan struct{}
	mu       sync.Mutex
	logTail  []string
	addr     string
}

var listeningRE = regexp.MustCompile(`msg="http listening" addr=(\S+)`)

// startChild runs `registry <args>` in dir with exactly the given
// environment (plus PATH and HOME), logging to the test log on failure.
func startChild(t *testing.T, name, dir string, env map[string]string, args ...string) *child {
	t.Helper()
	return startProcess(t, registryBinary(t), name, dir, env, args...)
}

// startProcess runs bin like startChild.
func startProcess(t *testing.T, bin, name, dir string, env map[string]string, args ...string) *child {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	c := &child{t: t, name: name, cmd: cmd, httpAddr: make(chan string, 1), exited: make(chan struct{})}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			c.logTail = append(c.logTail, line)
			if len(c.logTail) > 50 {
				c.logTail = c.logTail[1:]
			}
			c.mu.Unlock()
			if m := listeningRE.FindStringSubmatch(line); m != nil {
				select {
				case c.httpAddr <- m[1]:
				default:
				}
			}
		}
		_ = cmd.Wait()
		close(c.exited)
	}()
	t.Cleanup(func() {
		c.kill()
		if t.Failed() {
			t.Logf("last log lines of %s:\n%s", name, c.tail())
		}
	})
	return c
}

func (c *child) tail() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return strings.Join(c.logTail, "\n")
}

// waitHTTP returns the address the child's HTTP server listens on.
func (c *child) waitHTTP() string {
	c.t.Helper()
	if c.addr != "" {
		return c.addr
	}
	select {
	case c.addr = <-c.httpAddr:
		return c.addr
	case <-c.exited:
		c.t.Fatalf("%s exited before listening: %v\n%s", c.name, c.cmd.ProcessState, c.tail())
	case <-time.After(2 * time.Minute):
		c.t.Fatalf("%s did not start listening\n%s", c.name, c.tail())
	}
	return ""
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill() {
	if c.cmd.Process != nil {
		_ = c.cmd.Process.Signal(syscall.SIGKILL)
	}
	<-c.exited
}

// stop sends SIGTERM and returns the exit code after a graceful shutdown.
func (c *child) stop() int {
	c.t.Helper()
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
	case <-time.After(2 * time.Minute):
		c.t.Fatalf("%s did not stop on SIGTERM\n%s", c.name, c.tail())
	}
	return c.cmd.ProcessState.ExitCode()
}

// getURL fetches a URL and returns the status code and body.
func getURL(ctx context.Context, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), err
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
