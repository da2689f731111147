// Package natscluster runs real nats-server processes for tests: a single
// node or a JetStream cluster, on random loopback ports, each node with its
// own configuration file, store and log under t.TempDir(). Nodes can be
// killed with SIGKILL and started again on the same ports and store, as
// after a crash.
//
// The binary is built from the nats-server module in go.mod (Build), so the
// servers are the version meldpunt is tested with, and separate processes,
// as in production.
//
// It imports no meldpunt package; only tests use it.
package natscluster

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// readyTimeout bounds the wait for a node to report itself healthy.
const readyTimeout = 90 * time.Second

// Build builds nats-server from the nats-server module meldpunt depends on
// into dir and returns the binary's path.
func Build(dir string) (string, error) {
	bin := filepath.Join(dir, "nats-server")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/nats-io/nats-server/v2").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build nats-server: %v\n%s", err, out)
	}
	return bin, nil
}

// Options configures the servers.
type Options struct {
	// Binary is the nats-server to run (Build); required.
	Binary string
	// Nodes is the number of servers: 1 (the default) runs one server,
	// more form a cluster named "meldpunt" with JetStream replicated
	// across them.
	Nodes int
	// Include is configuration text added to every node's configuration,
	// such as the accounts block of `registry nats-accounts`.
	Include string
	// Env is the environment of the server processes, for example the
	// passwords Include refers to.
	Env map[string]string
}

// Cluster is a set of running nats-server processes owned by one test.
type Cluster struct {
	nodes []*Node
}

// Node is one nats-server process.
type Node struct {
	t          testing.TB
	name       string
	dir        string
	conf       string
	bin        string
	env        []string
	clientPort int
	httpPort   int

	mu     sync.Mutex
	cmd    *exec.Cmd
	exited chan struct{}
}

// Start writes the configurations, starts the servers and waits until every
// one reports itself healthy (with a JetStream meta leader in a cluster).
// The servers are killed when the test ends.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if opts.Binary == "" {
		t.Fatal("natscluster: no binary")
	}
	n := max(opts.Nodes, 1)
	ports := freePorts(t, 3*n)
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range opts.Env {
		env = append(env, k+"="+v)
	}
	var routes []string
	for i := range n {
		routes = append(routes, fmt.Sprintf("nats-route://127.0.0.1:%d", ports[3*i+1]))
	}
	c := &Cluster{}
	for i := range n {
		node := &Node{
			t:          t,
			name:       fmt.Sprintf("n%d", i+1),
			dir:        t.TempDir(),
			bin:        opts.Binary,
			env:        env,
			clientPort: ports[3*i],
			httpPort:   ports[3*i+2],
		}
		var conf strings.Builder
		fmt.Fprintf(&conf, "server_name: %s\nlisten: 127.0.0.1:%d\nhttp: 127.0.0.1:%d\n", node.name, node.clientPort, node.httpPort)
		fmt.Fprintf(&conf, "jetstream {\n  store_dir: %q\n  max_memory_store: 64MB\n  max_file_store: 4GB\n}\n", filepath.Join(node.dir, "jetstream"))
		if n > 1 {
			fmt.Fprintf(&conf, "cluster {\n  name: meldpunt\n  listen: 127.0.0.1:%d\n  routes: [\n    %s\n  ]\n}\n", ports[3*i+1], strings.Join(routes, "\n    "))
		}
		conf.WriteString(opts.Include)
		node.conf = filepath.Join(node.dir, "nats-server.conf")
		if err := os.WriteFile(node.conf, []byte(conf.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		c.nodes = append(c.nodes, node)
	}
	for _, node := range c.nodes {
		node.start()
		t.Cleanup(node.Kill)
	}
	for _, node := range c.nodes {
		node.waitReady()
	}
	return c
}

// URL is every node's client URL, comma separated, as MELDPUNT_NATS_URL
// takes them.
func (c *Cluster) URL() string {
	var urls []string
	for _, n := range c.nodes {
		urls = append(urls, n.URL())
	}
	return strings.Join(urls, ",")
}

// Nodes returns the nodes, n1 first.
func (c *Cluster) Nodes() []*Node { return c.nodes }

// Node returns the node with the given server name (n1, n2, ...), or nil.
func (c *Cluster) Node(name string) *Node {
	for _, n := range c.nodes {
		if n.name == name {
			return n
		}
	}
	return nil
}

// LogLines returns the lines of every node's log that contain substr.
func (c *Cluster) LogLines(t testing.TB, substr string) []string {
	t.Helper()
	var out []string
	for _, n := range c.nodes {
		data, err := os.ReadFile(n.logPath())
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			if strings.Contains(line, substr) {
				out = append(out, n.name+": "+line)
			}
		}
	}
	return out
}

// Name is the node's server name.
func (n *Node) Name() string { return n.name }

// URL is the node's client URL.
func (n *Node) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.clientPort) }

// ConfigPath is the node's configuration file.
func (n *Node) ConfigPath() string { return n.conf }

func (n *Node) logPath() string { return filepath.Join(n.dir, "nats-server.log") }

// Kill sends SIGKILL and waits until the process is gone. Killing a node
// that is not running does nothing.
func (n *Node) Kill() {
	n.mu.Lock()
	cmd, exited := n.cmd, n.exited
	n.cmd = nil
	n.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-exited
}

// Restart starts a killed node again with the same ports and store and
// waits until it reports itself healthy.
func (n *Node) Restart() {
	n.t.Helper()
	n.start()
	n.waitReady()
}

func (n *Node) start() {
	n.t.Helper()
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.cmd != nil {
		n.t.Fatalf("natscluster: %s is running", n.name)
	}
	logFile, err := os.OpenFile(n.logPath(), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		n.t.Fatal(err)
	}
	defer logFile.Close() // the child has its own descriptor
	cmd := exec.Command(n.bin, "-c", n.conf)
	cmd.Dir = n.dir
	cmd.Env = n.env
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	if err := cmd.Start(); err != nil {
		n.t.Fatalf("natscluster: start %s: %v", n.name, err)
	}
	exited := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(exited)
	}()
	n.cmd, n.exited = cmd, exited
}

// waitReady waits until the node's /healthz answers 200: it accepts
// clients and, in a cluster, has a JetStream meta leader and is current.
func (n *Node) waitReady() {
	n.t.Helper()
	n.mu.Lock()
	exited := n.exited
	n.mu.Unlock()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", n.httpPort)
	deadline := time.Now().Add(readyTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		if err == nil && resp.StatusCode == http.StatusOK {
			return
		}
		select {
		case <-exited:
			n.t.Fatalf("natscluster: %s exited at start\n%s", n.name, n.logTail())
		default:
		}
		if time.Now().After(deadline) {
			n.t.Fatalf("natscluster: %s not healthy after %s\n%s", n.name, readyTimeout, n.logTail())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (n *Node) logTail() string {
	data, _ := os.ReadFile(n.logPath())
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-30):], "\n")
}

// freePorts returns n distinct loopback ports that nobody listened on a
// moment ago; they are held together so that none is handed out twice.
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		lns = append(lns, ln)
		_, p, _ := net.SplitHostPort(ln.Addr().String())
		port, _ := strconv.Atoi(p)
		ports = append(ports, port)
	}
	return ports
}
