package fastgpt_test

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

// The dev server's one valid key (devserver/README.md).
const devKey = "fastgpt-dev-key"

var baseURL string

// TestMain starts the dev server, reads its "listening on URL" line, runs the tests and
// stops the server by closing its stdin (--exit-on-stdin-eof).
func TestMain(m *testing.M) {
	bin, _ := filepath.Abs("../../target/release/fastgpt-devserver")
	if _, err := os.Stat(bin); err != nil {
		fmt.Fprintf(os.Stderr, "dev server not built (%v): run `cargo build --release --workspace` first\n", err)
		os.Exit(1)
	}
	cmd := exec.Command(bin, "--chunk-delay-ms", "0", "--exit-on-stdin-eof")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		panic(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		panic(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		panic(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "listening on ") {
		fmt.Fprintf(os.Stderr, "dev server did not start: %q %v\n", line, err)
		stdin.Close()
		_ = cmd.Wait()
		os.Exit(1)
	}
	baseURL = strings.TrimSpace(strings.TrimPrefix(line, "listening on "))
	go io.Copy(io.Discard, stdout) // nothing else is printed, but never let the pipe fill

	code := m.Run()

	stdin.Close()
	_ = cmd.Wait()
	os.Exit(code)
}

// newAppID returns a fresh 24-hex app id, so tests do not see each other's chats.
func newAppID() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func newChatID() string { return "chat" + newAppID()[:16] }

// newClient makes a client on the dev server; opts are applied over the defaults.
func newClient(t testing.TB, opts ...func(*fastgpt.Options)) *fastgpt.Client {
	t.Helper()
	o := fastgpt.Options{APIKey: devKey, BaseURL: baseURL, RetryDelayMs: fastgpt.Int(1)}
	for _, f := range opts {
		f(&o)
	}
	c, err := fastgpt.NewWithOptions(o)
	if err != nil {
		t.Fatalf("NewWithOptions: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func withHeaders(h map[string]string) func(*fastgpt.Options) {
	return func(o *fastgpt.Options) { o.Headers = h }
}

func chatReq(appID, chatID, text string, detail bool) fastgpt.ChatRequest {
	return fastgpt.ChatRequest{
		AppID:    appID,
		ChatID:   chatID,
		Detail:   detail,
		Messages: []fastgpt.Message{{Role: "user", Content: text}},
	}
}

// envelope returns a function that decodes {"code","data",...}, checks code 200 and
// returns data: envelope(t)(c.GetChatInit(...)).
func envelope(t testing.TB) func(json.RawMessage, error) json.RawMessage {
	return func(raw json.RawMessage, err error) json.RawMessage {
		t.Helper()
		if err != nil {
			t.Fatalf("call failed: %v", err)
		}
		var env struct {
			Code int             `json:"code"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(raw, &env); err != nil {
			t.Fatalf("bad envelope %s: %v", raw, err)
		}
		if env.Code != 200 {
			t.Fatalf("envelope code %d: %s", env.Code, raw)
		}
		return env.Data
	}
}

func mustUnmarshal(t testing.TB, raw []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
}

func asError(t testing.TB, err error) *fastgpt.Error {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	var e *fastgpt.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not a *fastgpt.Error", err, err)
	}
	return e
}
