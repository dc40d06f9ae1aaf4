package dstack

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The tests run against the bundled simulator, started here twice: a current
// agent and a `--legacy` one (no Version RPC, no Sign/Attest).
const (
	simAppID     = "5bb4ff9a3837357f19dc176407a5709c62eb6c56"
	simAppKeys   = "../../testdata/fixtures/simulator_appkeys.json"
	testdataDir  = "../../testdata"
	simStartTime = 30 * time.Second
)

type simulator struct {
	cmd    *exec.Cmd
	dstack string
	tappd  string
}

var (
	sim       *simulator // current agent
	simLegacy *simulator // agent without Version RPC
)

func startSimulator(dir string, extra ...string) (*simulator, error) {
	bin := os.Getenv("DSTACK_SIMULATOR_BIN")
	if bin == "" {
		bin = "../../target/release/dstack-simulator"
	}
	if _, err := os.Stat(bin); err != nil {
		return nil, fmt.Errorf("simulator binary %s: %v (build it with `cargo build --release -p dstack-simulator` or set DSTACK_SIMULATOR_BIN)", bin, err)
	}
	args := append([]string{"--dir", dir, "--app-keys", simAppKeys, "--app-id", simAppID}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &simulator{cmd: cmd}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(simStartTime)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				_ = cmd.Wait()
				return nil, fmt.Errorf("simulator exited before it was ready")
			}
			switch {
			case strings.HasPrefix(line, "dstack: "):
				s.dstack = strings.TrimPrefix(line, "dstack: ")
			case strings.HasPrefix(line, "tappd: "):
				s.tappd = strings.TrimPrefix(line, "tappd: ")
			case line == "ready":
				go func() {
					for range lines {
					}
				}()
				return s, nil
			}
		case <-deadline:
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			return nil, fmt.Errorf("simulator not ready after %v", simStartTime)
		}
	}
}

func (s *simulator) stop() {
	if s == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { _ = s.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		_ = s.cmd.Process.Kill()
		<-done
	}
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	// The deprecation warnings of the TLS-key helpers (logged through the
	// default logger, as the official SDK does) would only clutter the output.
	slog.SetDefault(quietLogger)
	// Discovery must not pick up a real agent or the caller's simulator.
	os.Unsetenv("DSTACK_SIMULATOR_ENDPOINT")
	os.Unsetenv("TAPPD_SIMULATOR_ENDPOINT")
	tmp, err := os.MkdirTemp("", "dstack-go-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)
	if sim, err = startSimulator(filepath.Join(tmp, "current")); err != nil {
		fmt.Fprintln(os.Stderr, "dstack tests:", err)
		return 1
	}
	defer sim.stop()
	if simLegacy, err = startSimulator(filepath.Join(tmp, "legacy"), "--legacy"); err != nil {
		fmt.Fprintln(os.Stderr, "dstack tests:", err)
		return 1
	}
	defer simLegacy.stop()
	return m.Run()
}
