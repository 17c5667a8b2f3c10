package fastgpt_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

// TestErrorE2: a FastGPT E2 error (HTTP 500 envelope) with every field checked.
func TestErrorE2(t *testing.T) {
	c := newClient(t)
	app := newAppID()
	_, err := c.SendFeedback(context.Background(), app, newChatID(), "noSuchItem00000000000000", fastgpt.String("x"), nil)
	e := asError(t, err)
	if !errors.Is(err, fastgpt.StatusAPI) || errors.Is(err, fastgpt.StatusHTTP) || errors.Is(err, context.Canceled) {
		t.Fatalf("errors.Is: %v", err)
	}
	code, ok := e.APICodeInt()
	switch {
	case e.Status != fastgpt.StatusAPI, e.StatusName != "FASTGPT_E_API",
		!strings.Contains(e.Message, "Chat item not found"),
		e.HTTPStatus != 500, !ok, code != 500,
		e.StatusText != "error",
		!strings.Contains(e.Body, `"Chat item not found"`),
		e.RetryAfterMs != nil,
		e.RequestID != "", // E2 sends no x-request-id
		e.Method != "POST",
		e.URL != baseURL+"/api/core/chat/feedback/updateUserFeedback",
		e.Attempts != 1,
		e.Timeout != "",
		e.Partial != nil,
		!strings.Contains(string(e.Raw), `"status_name":"FASTGPT_E_API"`),
		e.Cause != nil:
		t.Fatalf("E2 error fields: %+v", e)
	}
	if !strings.HasPrefix(err.Error(), "fastgpt: FASTGPT_E_API: ") {
		t.Fatalf("Error(): %q", err.Error())
	}
}

// TestErrorWrongKey: 514 unAuthApiKey, on an endpoint call, a streaming call (an
// `event: error` frame in E2) and in E3 style (HTTP 401 with x-request-id).
func TestErrorWrongKey(t *testing.T) {
	ctx := context.Background()
	app := newAppID()
	c := newClient(t, func(o *fastgpt.Options) { o.APIKey = "wrong-key" })
	_, err := c.GetChatHistories(ctx, app, 0, 10, nil)
	e := asError(t, err)
	code, _ := e.APICodeInt()
	if e.Status != fastgpt.StatusAPI || code != 514 || e.StatusText != "unAuthApiKey" || e.HTTPStatus != 500 ||
		e.Method != "POST" || !strings.HasSuffix(e.URL, "/api/core/chat/history/getHistories") || e.Attempts != 1 {
		t.Fatalf("wrong key: %+v", e)
	}
	// Revision 3: the i18n key is kept in message_key; message is its English text.
	if e.MessageKey != "common:code_error.error_message.514" || e.Message != "Invalid API Key (unAuthApiKey)" {
		t.Fatalf("wrong key message %q, message_key %q", e.Message, e.MessageKey)
	}
	if strings.Contains(string(e.Raw), "wrong-key") {
		t.Fatalf("key leaked into the error JSON: %s", e.Raw)
	}

	var names []string
	_, err = c.CreateChatCompletionStream(ctx, chatReq(app, "", "hi", false), func(ev fastgpt.Event) error {
		names = append(names, ev.Name)
		return nil
	})
	e = asError(t, err)
	code, _ = e.APICodeInt()
	if e.Status != fastgpt.StatusAPI || code != 514 || len(names) != 1 || names[0] != "error" {
		t.Fatalf("wrong key stream: %+v %v", e, names)
	}

	c3 := newClient(t, func(o *fastgpt.Options) { o.APIKey = "wrong-key" },
		withHeaders(map[string]string{"X-Dev-Errors": "e3"}))
	_, err = c3.OpenStream(ctx, chatReq(app, "", "hi", false))
	e = asError(t, err)
	code, _ = e.APICodeInt()
	if e.Status != fastgpt.StatusAPI || code != 514 || e.HTTPStatus != 401 || e.RequestID == "" ||
		!strings.HasSuffix(e.URL, "/api/v1/chat/completions") {
		t.Fatalf("E3 wrong key: %+v", e)
	}
}

// TestErrorHTML502: a proxy's HTML 502 is StatusHTTP with the body; endpoint calls retry
// it, completions do not.
func TestErrorHTML502(t *testing.T) {
	ctx := context.Background()
	c := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "html502"}),
		func(o *fastgpt.Options) { o.MaxRetries = fastgpt.Int(1) })
	_, err := c.CreateChatCompletion(ctx, chatReq(newAppID(), "", "hi", false))
	e := asError(t, err)
	if e.Status != fastgpt.StatusHTTP || !errors.Is(err, fastgpt.StatusHTTP) || e.HTTPStatus != 502 ||
		!strings.Contains(e.Body, "nginx") || e.APICode != nil || e.Attempts != 1 || e.Method != "POST" {
		t.Fatalf("html502 completion: %+v", e)
	}
	_, err = c.GetChatInit(ctx, newAppID(), "c")
	e = asError(t, err)
	if e.Status != fastgpt.StatusHTTP || e.HTTPStatus != 502 || e.Attempts != 2 || e.Method != "GET" {
		t.Fatalf("html502 endpoint: %+v", e)
	}
}

// TestErrorRetryAfter: a Retry-After longer than max_retry_after_ms ends the call at once
// with retry_after_ms.
func TestErrorRetryAfter(t *testing.T) {
	c := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "status:429:retry-after=120"}),
		func(o *fastgpt.Options) { o.MaxRetryAfterMs = fastgpt.Int(1000) })
	_, err := c.GetChatInit(context.Background(), newAppID(), "c")
	e := asError(t, err)
	if e.RetryAfterMs == nil || *e.RetryAfterMs != 120000 || e.Attempts != 1 || e.HTTPStatus != 429 {
		t.Fatalf("retry-after: %+v", e)
	}
}

// TestErrorIdleTimeout: stream_idle_timeout_ms on a stalled stream: StatusTimeout, timeout
// "idle", partial result.
func TestErrorIdleTimeout(t *testing.T) {
	c := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "stall-mid-stream:5000"}),
		func(o *fastgpt.Options) { o.StreamIdleTimeoutMs = fastgpt.Int(300) })
	_, err := c.CreateChatCompletionStream(context.Background(), chatReq(newAppID(), "", "idle", false), nil)
	e := asError(t, err)
	p, _ := fastgpt.ParseStreamResult(e.Partial)
	if e.Status != fastgpt.StatusTimeout || e.Timeout != "idle" || p.Answer != "You sa" ||
		errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("idle timeout: %+v", e)
	}
}

func TestErrorStreamIncomplete(t *testing.T) {
	c := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "eof-no-done"}))
	s, err := c.OpenStream(context.Background(), chatReq(newAppID(), "", "cut", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for {
		if _, err = s.Next(); err != nil {
			break
		}
	}
	if !errors.Is(err, fastgpt.StatusStreamIncomplete) {
		t.Fatalf("eof-no-done: %v", err)
	}
}
