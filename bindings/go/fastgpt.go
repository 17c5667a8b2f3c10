// Package fastgpt is the Go binding of libfastgpt, a FastGPT client library with a C ABI.
//
// Every request method takes a context.Context first. Cancelling the context (or its
// deadline passing) cancels the call inside the library within about 100 ms; the method
// then returns an *Error with Status StatusCancelled for which
// errors.Is(err, context.Canceled) (or context.DeadlineExceeded) holds.
//
// Results are returned as json.RawMessage exactly as the library produced them: the
// server's envelope for endpoint calls, the completion JSON, or the accumulated stream
// result. Failures are *Error values carrying every member of the library's error JSON.
//
// A Client is safe for concurrent use by many goroutines. Every call blocks one OS thread
// while it runs (a cgo call), which is fine for Go.
package fastgpt

/*
#include <stdint.h>
#include <stdlib.h>
#include "fastgpt.h"

// Implemented in Go (callback.go, //export). Takes the cgo.Handle as uintptr_t: a
// cgo.Handle must not travel as a Go-side unsafe.Pointer (golang/go#49633).
extern int32_t fastgptGoStreamCallback(uintptr_t handle, char *event, char *data, char *text);

static int32_t fastgpt_go_trampoline(void *user_data, const char *event, const char *data,
                                     const char *text) {
	return fastgptGoStreamCallback((uintptr_t)user_data, (char *)event, (char *)data,
	                               (char *)text);
}

// The C shim: the handle crosses as an integer and becomes user_data only on the C side.
static int32_t fastgpt_go_stream(const fastgpt_client *client, const char *request_json,
                                 uintptr_t handle, const fastgpt_cancel_token *cancel,
                                 char **out_json) {
	return fastgpt_create_chat_completion_stream(client, request_json, fastgpt_go_trampoline,
	                                             (void *)handle, cancel, out_json);
}

static int32_t fastgpt_go_resume(const fastgpt_client *client, const char *app_id,
                                 const char *chat_id, uintptr_t handle,
                                 const fastgpt_cancel_token *cancel, char **out_json) {
	return fastgpt_resume_chat_completion_stream(client, app_id, chat_id, fastgpt_go_trampoline,
	                                             (void *)handle, cancel, out_json);
}
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"runtime"
	"runtime/cgo"
	"strings"
	"sync"
	"time"
	"unsafe"
)

// HeaderVersionNumber is FASTGPT_VERSION_NUMBER of the header this package was compiled
// against (MAJOR*1000000 + MINOR*1000 + PATCH).
const HeaderVersionNumber = int(C.FASTGPT_VERSION_NUMBER)

var versionErr error

func init() {
	// the C API contract §9: while MAJOR is 0, refuse to run unless MAJOR.MINOR match.
	lib := int(C.fastgpt_version_number())
	if lib/1000 != HeaderVersionNumber/1000 {
		versionErr = fmt.Errorf("fastgpt: library version %s (%d) is incompatible with the header this binding was built with (%d)",
			Version(), lib, HeaderVersionNumber)
	}
}

// CheckVersion reports whether the linked library is compatible with the header this
// package was compiled against. New and NewWithOptions return this error too.
func CheckVersion() error { return versionErr }

// Version is the linked library's version string ("MAJOR.MINOR.PATCH[-pre]").
func Version() string { return C.GoString(C.fastgpt_version()) }

// VersionNumber is the linked library's version as MAJOR*1000000 + MINOR*1000 + PATCH.
func VersionNumber() int { return int(C.fastgpt_version_number()) }

// ErrClosed is returned by methods of a Client or Stream that has been closed.
var ErrClosed = errors.New("fastgpt: use of closed client or stream")

// String returns a pointer to s, for optional string parameters and options.
func String(s string) *string { return &s }

// Int returns a pointer to v, for optional integer options (where 0 is meaningful).
func Int(v int) *int { return &v }

// Bool returns a pointer to v, for optional flags (UpdateChatHistory's top).
func Bool(v bool) *bool { return &v }

// Options are the client options of fastgpt_client_new_with_options. Nil pointers and
// empty strings leave an option at the library's default.
type Options struct {
	APIKey              string            `json:"api_key"`
	BaseURL             string            `json:"base_url,omitempty"`
	ConnectTimeoutMs    *int              `json:"connect_timeout_ms,omitempty"`
	TimeoutMs           *int              `json:"timeout_ms,omitempty"`            // 0 = no limit
	CompletionTimeoutMs *int              `json:"completion_timeout_ms,omitempty"` // 0 = no limit
	StreamIdleTimeoutMs *int              `json:"stream_idle_timeout_ms,omitempty"`
	StreamTimeoutMs     *int              `json:"stream_timeout_ms,omitempty"` // one streaming attempt, start to EOF; 0 = no limit
	MaxRetries          *int              `json:"max_retries,omitempty"`
	RetryDelayMs        *int              `json:"retry_delay_ms,omitempty"`
	MaxRetryAfterMs     *int              `json:"max_retry_after_ms,omitempty"`
	Headers             map[string]string `json:"headers,omitempty"`
	TLSRoots            string            `json:"tls_roots,omitempty"` // "platform" | "webpki"
	CACertPEM           *string           `json:"ca_cert_pem,omitempty"`
	Proxy               *string           `json:"proxy,omitempty"`           // "" = no proxy; nil = environment
	APIPaths            string            `json:"api_paths,omitempty"`       // "auto" | "current" | "legacy"
	CompletionsAPI      string            `json:"completions_api,omitempty"` // "v1" | "v2"
	MaxResponseBytes    *int              `json:"max_response_bytes,omitempty"`
	MaxEventBytes       *int              `json:"max_event_bytes,omitempty"`
	// StreamResume sends x-fastgpt-stream-resume: 1 on streaming completions, so that
	// FastGPT (>= 4.14.11, v2 completions) keeps a replay for ResumeChatCompletionStream.
	StreamResume *bool `json:"stream_resume,omitempty"`
}

// Client is a FastGPT client. It is safe for concurrent use. Close it when done; a
// finalizer frees it as a safety net.
type Client struct {
	mu     sync.Mutex
	h      *C.fastgpt_client
	refs   int  // calls in flight
	closed bool // Close was called; h is freed when refs drops to 0
}

// New creates a client with only the API key and base URL set. An empty baseURL means
// the library default, http://localhost:3000.
func New(apiKey, baseURL string) (*Client, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	var a cargs
	defer a.free()
	key := a.str("apiKey", apiKey)
	var base *C.char
	if baseURL != "" {
		base = a.str("baseURL", baseURL)
	}
	if a.err != nil {
		return nil, a.err
	}
	var h *C.fastgpt_client
	var errp *C.char
	st := C.fastgpt_client_new(key, base, &h, &errp)
	return newClient(st, h, errp)
}

// NewWithOptions creates a client from Options.
func NewWithOptions(opts Options) (*Client, error) {
	b, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	return NewWithOptionsJSON(string(b))
}

// NewWithOptionsJSON creates a client from a JSON object of options, passed to the
// library as is (see fastgpt_client_new_with_options for the keys).
func NewWithOptionsJSON(optionsJSON string) (*Client, error) {
	if versionErr != nil {
		return nil, versionErr
	}
	var a cargs
	defer a.free()
	o := a.str("options", optionsJSON)
	if a.err != nil {
		return nil, a.err
	}
	var h *C.fastgpt_client
	var errp *C.char
	st := C.fastgpt_client_new_with_options(o, &h, &errp)
	return newClient(st, h, errp)
}

func newClient(st C.int32_t, h *C.fastgpt_client, errp *C.char) (*Client, error) {
	msg := takeString(errp)
	if st != C.FASTGPT_OK || h == nil {
		if h != nil {
			C.fastgpt_client_free(h)
		}
		return nil, parseError(Status(st), msg)
	}
	c := &Client{h: h}
	runtime.SetFinalizer(c, (*Client).Close)
	return c, nil
}

// Close releases the client. It is idempotent and never blocks: calls still running
// finish normally and the library handle is freed when the last of them returns.
// Streams opened from the client stay usable.
func (c *Client) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	var h *C.fastgpt_client
	if c.refs == 0 {
		h, c.h = c.h, nil
	}
	c.mu.Unlock()
	runtime.SetFinalizer(c, nil)
	if h != nil {
		C.fastgpt_client_free(h)
	}
	return nil
}

// acquire pins the handle for one call, so Close cannot free it while a goroutine is
// about to pass it to the library (that would be undefined behaviour, the C API contract §4.1).
func (c *Client) acquire() (*C.fastgpt_client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed || c.h == nil {
		return nil, ErrClosed
	}
	c.refs++
	return c.h, nil
}

func (c *Client) release() {
	c.mu.Lock()
	c.refs--
	var h *C.fastgpt_client
	if c.closed && c.refs == 0 {
		h, c.h = c.h, nil
	}
	c.mu.Unlock()
	if h != nil {
		C.fastgpt_client_free(h)
	}
}

// ---------------------------------------------------------------------------------------
// Cancellation: one token per call, driven by the context.

type call struct {
	ctx    context.Context
	mu     sync.Mutex // guards tok against cancel-after-free
	tok    *C.fastgpt_cancel_token
	stop   chan struct{}
	exited chan struct{}
}

func startCall(ctx context.Context) (*call, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	tok := C.fastgpt_cancel_token_new()
	if tok == nil {
		return nil, &Error{Status: StatusPanic, StatusName: StatusPanic.String(),
			Message: "fastgpt_cancel_token_new failed"}
	}
	k := &call{ctx: ctx, tok: tok}
	if dl, ok := ctx.Deadline(); ok {
		C.fastgpt_cancel_token_cancel_after(tok, C.int32_t(msUntil(dl)))
	}
	if done := ctx.Done(); done != nil {
		if ctx.Err() != nil {
			// Already cancelled: the library returns FASTGPT_E_CANCELLED without I/O.
			C.fastgpt_cancel_token_cancel(tok)
		} else {
			stop, exited := make(chan struct{}), make(chan struct{})
			k.stop, k.exited = stop, exited
			// Captures only the token and channels (not k), so an abandoned Stream can
			// still be finalized.
			go func() {
				defer close(exited)
				select {
				case <-done:
					C.fastgpt_cancel_token_cancel(tok)
				case <-stop:
				}
			}()
		}
	}
	return k, nil
}

// msUntil is the time left until dl in whole milliseconds, rounded up (so the library's
// deadline is never earlier than the context's), clamped to int32.
func msUntil(dl time.Time) int64 {
	d := time.Until(dl)
	if d <= 0 {
		return 0
	}
	ms := (d + time.Millisecond - 1) / time.Millisecond
	if ms > math.MaxInt32 {
		return math.MaxInt32
	}
	return int64(ms)
}

// cancel cancels the token unless it has been freed.
func (k *call) cancel() {
	k.mu.Lock()
	if k.tok != nil {
		C.fastgpt_cancel_token_cancel(k.tok)
	}
	k.mu.Unlock()
}

// finish stops the context watcher, waits for it, and frees the token.
func (k *call) finish() {
	if k.stop != nil {
		close(k.stop)
		<-k.exited
		k.stop = nil
	}
	k.mu.Lock()
	C.fastgpt_cancel_token_free(k.tok)
	k.tok = nil
	k.mu.Unlock()
}

// cause is the context's error once it is done. The library's own deadline is rounded up,
// so when it fires the context's deadline has passed even if ctx.Err() is not yet set.
func (k *call) cause() error {
	if err := k.ctx.Err(); err != nil {
		return err
	}
	if dl, ok := k.ctx.Deadline(); ok && !time.Now().Before(dl) {
		return context.DeadlineExceeded
	}
	return nil
}

func (k *call) result(st C.int32_t, out *C.char) (json.RawMessage, error) {
	s := takeString(out)
	if st == C.FASTGPT_OK {
		return json.RawMessage(s), nil
	}
	e := parseError(Status(st), s)
	if e.Status == StatusCancelled {
		e.Cause = k.cause()
	}
	return nil, e
}

// ---------------------------------------------------------------------------------------
// Strings across the boundary.

// takeString copies a library-owned string and frees it with fastgpt_string_free
// (never C.free).
func takeString(p *C.char) string {
	if p == nil {
		return ""
	}
	s := C.GoString(p)
	C.fastgpt_string_free(p)
	return s
}

// cargs owns the C copies of Go strings for one call (C.CString memory, freed with C.free).
type cargs struct {
	ps  []unsafe.Pointer
	err error
}

func (a *cargs) str(name, s string) *C.char {
	if strings.IndexByte(s, 0) >= 0 {
		a.fail(name + " contains a NUL byte")
		return nil
	}
	p := C.CString(s)
	a.ps = append(a.ps, unsafe.Pointer(p))
	return p
}

func (a *cargs) opt(name string, s *string) *C.char {
	if s == nil {
		return nil
	}
	return a.str(name, *s)
}

// json encodes v for a *_json parameter: nil (or empty raw JSON) gives NULL; string,
// []byte and json.RawMessage are sent as they are; anything else is json.Marshal'ed.
func (a *cargs) json(name string, v any) *C.char {
	var s string
	switch x := v.(type) {
	case nil:
		return nil
	case json.RawMessage:
		if len(x) == 0 {
			return nil
		}
		s = string(x)
	case []byte:
		if len(x) == 0 {
			return nil
		}
		s = string(x)
	case string:
		s = x
	default:
		b, err := json.Marshal(v)
		if err != nil {
			a.fail(name + ": " + err.Error())
			return nil
		}
		s = string(b)
	}
	return a.str(name, s)
}

// jsonRequired is json for a required *_json parameter: nil becomes an invalid argument
// here instead of a NULL the library would refuse anyway.
func (a *cargs) jsonRequired(name string, v any) *C.char {
	p := a.json(name, v)
	if p == nil {
		a.fail(name + " is required")
	}
	return p
}

func (a *cargs) int32(name string, v int) C.int32_t {
	if v < math.MinInt32 || v > math.MaxInt32 {
		a.fail(name + " is out of the int32 range")
		return 0
	}
	return C.int32_t(v)
}

func (a *cargs) fail(msg string) {
	if a.err == nil {
		a.err = &Error{Status: StatusInvalidArgument, StatusName: StatusInvalidArgument.String(),
			Message: msg}
	}
}

func (a *cargs) free() {
	for _, p := range a.ps {
		C.free(p)
	}
	a.ps = nil
}

// do runs one blocking request: pins the client, creates the call's cancel token, runs fn
// and converts its result. The token is freed after the call has returned.
func (c *Client) do(ctx context.Context, a *cargs,
	fn func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t,
) (json.RawMessage, error) {
	defer a.free()
	if a.err != nil {
		return nil, a.err
	}
	h, err := c.acquire()
	if err != nil {
		return nil, err
	}
	defer c.release()
	k, err := startCall(ctx)
	if err != nil {
		return nil, err
	}
	defer k.finish()
	var out *C.char
	st := fn(h, k.tok, &out)
	return k.result(st, out)
}

// ---------------------------------------------------------------------------------------
// Operations.

// Message is one chat message of a ChatRequest. Content is a string or an array of parts
// ({"type":"text","text":...}, {"type":"image_url","image_url":{"url":...}}, ...).
type Message struct {
	Role    string `json:"role"`
	Content any    `json:"content"`
}

// ChatRequest is a convenience request body for the completion calls; any value that
// marshals to the FastGPT request object (or raw JSON as string/[]byte/json.RawMessage)
// is accepted as well.
type ChatRequest struct {
	ChatID             string         `json:"chatId,omitempty"`
	AppID              string         `json:"appId,omitempty"`
	Messages           []Message      `json:"messages"`
	Detail             bool           `json:"detail,omitempty"`
	Variables          map[string]any `json:"variables,omitempty"`
	ResponseChatItemID string         `json:"responseChatItemId,omitempty"`
}

// CreateChatCompletion sends a non-streaming chat completion and returns the server's
// completion JSON.
func (c *Client) CreateChatCompletion(ctx context.Context, request any) (json.RawMessage, error) {
	var a cargs
	req := a.json("request", request)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_create_chat_completion(h, req, tok, out)
	})
}

// CreateChatCompletionStream sends a streaming completion and calls fn with each event,
// on the calling goroutine, in order. Returning a non-nil error from fn stops the
// transfer: the call returns an *Error with StatusAborted that wraps fn's error. A panic
// in fn is recovered and reported the same way, wrapped as a *PanicError. fn may be nil.
//
// The result is the accumulated stream result ({"answer","reasoning","finish_reason",
// ...}); on failure the *Error's Partial holds the result accumulated so far.
func (c *Client) CreateChatCompletionStream(ctx context.Context, request any, fn func(Event) error) (json.RawMessage, error) {
	var a cargs
	req := a.json("request", request)
	return c.doStream(ctx, &a, fn, func(h *C.fastgpt_client, handle C.uintptr_t, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_go_stream(h, req, handle, tok, out)
	})
}

// doStream is do for the callback form of a stream: fn's Go state travels to the C shim
// (which passes fastgpt_go_trampoline and the handle as user_data) as a cgo.Handle, and an
// abort caused by fn carries fn's error (or *PanicError) as its Cause. Each C function that
// takes a fastgpt_stream_callback needs one such shim in the preamble above.
func (c *Client) doStream(ctx context.Context, a *cargs, fn func(Event) error,
	call func(h *C.fastgpt_client, handle C.uintptr_t, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t,
) (json.RawMessage, error) {
	state := &streamState{fn: fn}
	handle := cgo.NewHandle(state)
	defer handle.Delete()
	res, err := c.do(ctx, a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return call(h, C.uintptr_t(handle), tok, out)
	})
	var e *Error
	if err != nil && errors.As(err, &e) && e.Status == StatusAborted && e.Cause == nil {
		e.Cause = state.err
	}
	return res, err
}

// GetChatHistories lists chat histories of an app. source nil sends the library default
// "api"; a pointer to "" lists chats of every source.
func (c *Client) GetChatHistories(ctx context.Context, appID string, offset, pageSize int, source *string) (json.RawMessage, error) {
	var a cargs
	app, off, ps, src := a.str("appID", appID), a.int32("offset", offset), a.int32("pageSize", pageSize), a.opt("source", source)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_chat_histories(h, app, off, ps, src, tok, out)
	})
}

// GetChatInit gets a chat's initial state (title, variables, app configuration).
func (c *Client) GetChatInit(ctx context.Context, appID, chatID string) (json.RawMessage, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_chat_init(h, app, chat, tok, out)
	})
}

// GetChatRecords lists the records of a chat; offset 0 is the most recent page.
func (c *Client) GetChatRecords(ctx context.Context, appID, chatID string, offset, pageSize int, loadCustomFeedbacks bool) (json.RawMessage, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	off, ps := a.int32("offset", offset), a.int32("pageSize", pageSize)
	var flag C.int32_t
	if loadCustomFeedbacks {
		flag = 1
	}
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_chat_records(h, app, chat, off, ps, flag, tok, out)
	})
}

// GetRecordDetail gets the workflow node responses of one AI record.
func (c *Client) GetRecordDetail(ctx context.Context, appID, chatID, dataID string) (json.RawMessage, error) {
	var a cargs
	app, chat, data := a.str("appID", appID), a.str("chatID", chatID), a.str("dataID", dataID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_record_detail(h, app, chat, data, tok, out)
	})
}

// UpdateChatHistory renames and/or pins a chat. customTitle nil leaves the title (""
// clears the custom title); top nil leaves the pin, else pins (true) or unpins (false).
// Both nil is an invalid argument.
func (c *Client) UpdateChatHistory(ctx context.Context, appID, chatID string, customTitle *string, top *bool) (json.RawMessage, error) {
	var a cargs
	app, chat, title := a.str("appID", appID), a.str("chatID", chatID), a.opt("customTitle", customTitle)
	t := C.int32_t(-1)
	if top != nil {
		t = 0
		if *top {
			t = 1
		}
	}
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_update_chat_history(h, app, chat, title, t, tok, out)
	})
}

// DeleteChatHistory deletes a chat.
func (c *Client) DeleteChatHistory(ctx context.Context, appID, chatID string) (json.RawMessage, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_delete_chat_history(h, app, chat, tok, out)
	})
}

// ClearChatHistories deletes every API-created chat of an app.
func (c *Client) ClearChatHistories(ctx context.Context, appID string) (json.RawMessage, error) {
	var a cargs
	app := a.str("appID", appID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_clear_chat_histories(h, app, tok, out)
	})
}

// DeleteChatRecord deletes one record (by its dataId) of a chat.
func (c *Client) DeleteChatRecord(ctx context.Context, appID, chatID, contentID string) (json.RawMessage, error) {
	var a cargs
	app, chat, content := a.str("appID", appID), a.str("chatID", chatID), a.str("contentID", contentID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_delete_chat_record(h, app, chat, content, tok, out)
	})
}

// SendFeedback sets the user feedback of an AI record. The server sets each feedback that
// is given and removes each one that is nil.
func (c *Client) SendFeedback(ctx context.Context, appID, chatID, dataID string, good, bad *string) (json.RawMessage, error) {
	var a cargs
	app, chat, data := a.str("appID", appID), a.str("chatID", chatID), a.str("dataID", dataID)
	g, b := a.opt("good", good), a.opt("bad", bad)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_send_feedback(h, app, chat, data, g, b, tok, out)
	})
}

// GetSuggestedQuestions asks for follow-up questions. questionGuide is an optional JSON
// object sent as `questionGuide` (nil uses the app's configuration).
func (c *Client) GetSuggestedQuestions(ctx context.Context, appID, chatID string, questionGuide any) (json.RawMessage, error) {
	var a cargs
	app, chat, guide := a.str("appID", appID), a.str("chatID", chatID), a.json("questionGuide", questionGuide)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_suggested_questions(h, app, chat, guide, tok, out)
	})
}

// GetAppLogsChart gets an app's usage chart data (commercial edition). options is an
// optional JSON object merged over the library's defaults.
func (c *Client) GetAppLogsChart(ctx context.Context, appID, dateStart, dateEnd string, options any) (json.RawMessage, error) {
	var a cargs
	app, ds, de, opts := a.str("appID", appID), a.str("dateStart", dateStart), a.str("dateEnd", dateEnd), a.json("options", options)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_app_logs_chart(h, app, ds, de, opts, tok, out)
	})
}

// Request calls any other FastGPT endpoint. method is "GET", "POST", "PUT" or "DELETE";
// path starts with "/" (e.g. "/api/core/dataset/list"); query is an optional JSON object
// of scalars; body is optional JSON of any type.
func (c *Client) Request(ctx context.Context, method, path string, query, body any) (json.RawMessage, error) {
	var a cargs
	m, p, q, b := a.str("method", method), a.str("path", path), a.json("query", query), a.json("body", body)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_request(h, m, p, q, b, tok, out)
	})
}

// UploadChatFile uploads the file at filePath to the chat storage and returns
// {"url","key","name","type","preview_url"} for an image_url or file_url message part.
func (c *Client) UploadChatFile(ctx context.Context, appID, chatID, filePath string) (json.RawMessage, error) {
	var a cargs
	app, chat, fp := a.str("appID", appID), a.str("chatID", chatID), a.str("filePath", filePath)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_upload_chat_file(h, app, chat, fp, tok, out)
	})
}

// UploadChatBytes uploads data as fileName; contentType "" detects it from the data,
// then from the name.
func (c *Client) UploadChatBytes(ctx context.Context, appID, chatID, fileName, contentType string, data []byte) (json.RawMessage, error) {
	var a cargs
	app, chat, name := a.str("appID", appID), a.str("chatID", chatID), a.str("fileName", fileName)
	var ct *C.char
	if contentType != "" {
		ct = a.str("contentType", contentType)
	}
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		var p unsafe.Pointer
		if len(data) > 0 {
			p = unsafe.Pointer(&data[0]) // Go memory without Go pointers, borrowed for the call
		}
		return C.fastgpt_upload_chat_bytes(h, app, chat, name, ct, p, C.size_t(len(data)), tok, out)
	})
}

// ---------------------------------------------------------------------------------------
// Revision 3: the FastGPT 4.14–4.16 chat surface.

// StopChatCompletion stops a running generation of chatID (fastgpt_stop_chat_completion).
// Only v2 runs poll the stop flag; a v1 run stops only when its client disconnects. The
// envelope's data is {success, completed?, chatGenerateStatus?}. FastGPT >= 4.14.5.
func (c *Client) StopChatCompletion(ctx context.Context, appID, chatID string) (json.RawMessage, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_stop_chat_completion(h, app, chat, tok, out)
	})
}

// ResumeChatCompletionStream picks up the stream of chatID after a disconnect
// (fastgpt_resume_chat_completion_stream, FastGPT >= 4.14.11). The round must have been
// started by a v2 streaming completion on a client with Options.StreamResume. fn gets the
// events exactly as CreateChatCompletionStream's, plus "resumePhase" ("catchup", then
// "live"), "resumeUnavailable" and "resumeCompleted". The catch-up replays the round from
// its start, so the result is the round's whole stream result with
// "resume": {"phase","completed","unavailable_reason","records"} added (records: the final
// records resumeCompleted carried, else null; response_chat_item_id comes from them). A
// chat that is no longer generating answers with "resumeCompleted" and "done".
func (c *Client) ResumeChatCompletionStream(ctx context.Context, appID, chatID string, fn func(Event) error) (json.RawMessage, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	return c.doStream(ctx, &a, fn, func(h *C.fastgpt_client, handle C.uintptr_t, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_go_resume(h, app, chat, handle, tok, out)
	})
}

// OpenResumeStream is ResumeChatCompletionStream as a pull stream
// (fastgpt_stream_resume_open); its Result carries "resume" too.
func (c *Client) OpenResumeStream(ctx context.Context, appID, chatID string) (*Stream, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	return c.openStream(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.fastgpt_stream, errp **C.char) C.int32_t {
		return C.fastgpt_stream_resume_open(h, app, chat, tok, out, errp)
	})
}

// GetHistoryStatus gets the generation status and read mark of 1 to 200 chats
// (fastgpt_get_history_status). chatIDs is a []string (or raw JSON array). data
// {list: [{chatId, updateTime, chatGenerateStatus, hasBeenRead?}]}; unknown ids are left out.
func (c *Client) GetHistoryStatus(ctx context.Context, appID string, chatIDs any) (json.RawMessage, error) {
	var a cargs
	app, ids := a.str("appID", appID), a.jsonRequired("chatIDs", chatIDs)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_history_status(h, app, ids, tok, out)
	})
}

// MarkChatRead marks a chat read (fastgpt_mark_chat_read); FastGPT also moves it to the
// top of the history list.
func (c *Client) MarkChatRead(ctx context.Context, appID, chatID string) (json.RawMessage, error) {
	var a cargs
	app, chat := a.str("appID", appID), a.str("chatID", chatID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_mark_chat_read(h, app, chat, tok, out)
	})
}

// DeleteChatHistories deletes the chats in chatIDs (a []string or raw JSON array of at
// least one id) for good (fastgpt_delete_chat_histories).
func (c *Client) DeleteChatHistories(ctx context.Context, appID string, chatIDs any) (json.RawMessage, error) {
	var a cargs
	app, ids := a.str("appID", appID), a.jsonRequired("chatIDs", chatIDs)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_delete_chat_histories(h, app, ids, tok, out)
	})
}

// GetChatRecordsV2 pages a chat's records by cursor (fastgpt_get_chat_records_v2).
// options is an optional JSON object whose members are passed through: "prevId" |
// "nextId" | "initialId" (dataIds), "loadCustomFeedbacks", "includeDeleted", "type".
// data {list, total, hasMorePrev, hasMoreNext}.
func (c *Client) GetChatRecordsV2(ctx context.Context, appID, chatID string, pageSize int, options any) (json.RawMessage, error) {
	var a cargs
	app, chat, ps, opts := a.str("appID", appID), a.str("chatID", chatID), a.int32("pageSize", pageSize), a.json("options", options)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_chat_records_v2(h, app, chat, ps, opts, tok, out)
	})
}

// GetChatFileURL gets a download URL (valid about an hour) for key, a file uploaded to
// this chat (fastgpt_get_chat_file_url). The envelope's data is the URL string.
func (c *Client) GetChatFileURL(ctx context.Context, appID, chatID, key string) (json.RawMessage, error) {
	var a cargs
	app, chat, k := a.str("appID", appID), a.str("chatID", chatID), a.str("key", key)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_chat_file_url(h, app, chat, k, tok, out)
	})
}

// GetAppLogsTotal gets an app's log totals {totalUsers, totalChats, totalPoints}
// (fastgpt_get_app_logs_total, commercial edition).
func (c *Client) GetAppLogsTotal(ctx context.Context, appID string) (json.RawMessage, error) {
	var a cargs
	app := a.str("appID", appID)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_app_logs_total(h, app, tok, out)
	})
}

// GetAppLogs lists an app's chat logs between dateStart and dateEnd (ISO-8601)
// (fastgpt_get_app_logs); offset >= 0, pageSize >= 1. options is an optional JSON object
// whose members are passed through ("sources", "tmbIds", "chatSearch", "feedbackType",
// "unreadOnly", "errorFilter", ...). API keys may call it from FastGPT 4.15.2.
func (c *Client) GetAppLogs(ctx context.Context, appID, dateStart, dateEnd string, offset, pageSize int, options any) (json.RawMessage, error) {
	var a cargs
	app, ds, de := a.str("appID", appID), a.str("dateStart", dateStart), a.str("dateEnd", dateEnd)
	off, ps, opts := a.int32("offset", offset), a.int32("pageSize", pageSize), a.json("options", options)
	return c.do(ctx, &a, func(h *C.fastgpt_client, tok *C.fastgpt_cancel_token, out **C.char) C.int32_t {
		return C.fastgpt_get_app_logs(h, app, ds, de, off, ps, opts, tok, out)
	})
}
