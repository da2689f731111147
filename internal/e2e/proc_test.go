//go:build e2e

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/meldpunt/meldpunt/internal/testutil/natscluster"
)

// buildBinaries builds the four meldpunt commands and nats-server (from the
// nats-server module in go.mod) into dir.
func buildBinaries(t *testing.T, dir string) {
	t.Helper()
	start := time.Now()
	out, err := exec.Command("go", "build", "-o", dir+"/",
		"github.com/meldpunt/meldpunt/cmd/registry",
		"github.com/meldpunt/meldpunt/cmd/ingest-mail",
		"github.com/meldpunt/meldpunt/cmd/ingest-facebook",
		"github.com/meldpunt/meldpunt/cmd/ingest-eloket").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	if _, err := natscluster.Build(dir); err != nil {
		t.Fatal(err)
	}
	t.Logf("built the binaries and nats-server in %s", time.Since(start).Round(time.Second))
}

// proc is one meldpunt process: started, killed and started again by the
// test's goroutine only. Its output goes to a log file that every run
// appends to.
type proc struct {
	name string
	bin  string
	args []string
	env  []string
	dir  string
	log  string

	cmd    *exec.Cmd
	exited chan struct{}
	starts int
	// downUntil is when a process killed on purpose is started again.
	downUntil time.Time
	// exits counts the times it ended without being killed: a supervisor
	// (systemd's Restart=on-failure) starts it again.
	exits int
}

func newProc(t *testing.T, name, bin, dir string, env map[string]string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, bin: bin, args: args, dir: dir, log: filepath.Join(dir, name+".log"),
		env: []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}}
	for k, v := range env {
		p.env = append(p.env, k+"="+v)
	}
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			t.Logf("last lines of %s (%s):\n%s", name, p.log, tailFile(p.log, 25))
		}
	})
	return p
}

func (p *proc) start() error {
	f, err := os.OpenFile(p.log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close() // the child has its own descriptor
	p.starts++
	fmt.Fprintf(f, "=== e2e: start %d of %s at %s\n", p.starts, p.name, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, p.args...)
	cmd.Dir, cmd.Env, cmd.Stdout, cmd.Stderr = p.dir, p.env, f, f
	// If the test binary dies (a timeout), its processes go with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait() // the exit is seen through exited; kill or supervise decides what it means
		close(exited)
	}()
	p.cmd, p.exited = cmd, exited
	return nil
}

// running reports whether the process is started and has not ended.
func (p *proc) running() bool {
	if p.cmd == nil {
		return false
	}
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill sends SIGKILL and waits until the process is gone.
func (p *proc) kill() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	<-p.exited
	p.cmd = nil
}

// stop sends SIGTERM and waits for a graceful end; it returns the exit code.
func (p *proc) stop(wait time.Duration) int {
	if p.cmd == nil {
		return -1
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(wait):
		p.kill()
		return -1
	}
	code := p.cmd.ProcessState.ExitCode()
	p.cmd = nil
	return code
}

// supervise starts the process again when it is down and not held down by
// a fault; a process that ended by itself is counted.
func (p *proc) supervise(t *testing.T, now time.Time) {
	t.Helper()
	if p.running() || now.Before(p.downUntil) {
		return
	}
	if p.cmd != nil { // ended without being killed
		p.exits++
		p.cmd = nil
		p.downUntil = now.Add(time.Second) // as Restart=on-failure with RestartSec=1
		return
	}
	if err := p.start(); err != nil {
		t.Fatal(err)
	}
}

func tailFile(path string, lines int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	all := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}
