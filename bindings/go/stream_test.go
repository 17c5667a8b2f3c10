package fastgpt_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

func collectCallback(t *testing.T, c *fastgpt.Client, req any) ([]fastgpt.Event, json.RawMessage) {
	t.Helper()
	var evs []fastgpt.Event
	res, err := c.CreateChatCompletionStream(context.Background(), req, func(ev fastgpt.Event) error {
		evs = append(evs, ev)
		return nil
	})
	if err != nil {
		t.Fatalf("callback form: %v", err)
	}
	return evs, res
}

func collectPull(t *testing.T, c *fastgpt.Client, req any) ([]fastgpt.Event, json.RawMessage) {
	t.Helper()
	s, err := c.OpenStream(context.Background(), req)
	if err != nil {
		t.Fatalf("OpenStream: %v", err)
	}
	defer s.Close()
	var evs []fastgpt.Event
	for {
		ev, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		evs = append(evs, ev)
	}
	// The end is sticky.
	if _, err := s.Next(); err != io.EOF {
		t.Fatalf("Next after end: %v", err)
	}
	res, err := s.Result()
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	return evs, res
}

func collectChannel(t *testing.T, c *fastgpt.Client, req any) ([]fastgpt.Event, json.RawMessage) {
	t.Helper()
	s, err := c.OpenStream(context.Background(), req)
	if err != nil {
		t.Fatalf("OpenStream: %v", err)
	}
	defer s.Close()
	var evs []fastgpt.Event
	for ev := range s.Events(context.Background()) {
		evs = append(evs, ev)
	}
	if err := s.Err(); err != nil {
		t.Fatalf("Events: %v", err)
	}
	res, err := s.Result()
	if err != nil {
		t.Fatalf("Result: %v", err)
	}
	return evs, res
}

// TestStreamFormsAgree: the callback form, the pull form and the channel helper give the
// same events and the same result for the same request.
func TestStreamFormsAgree(t *testing.T) {
	c := newClient(t)
	app := newAppID()
	// No chatId and a fixed responseChatItemId: the three runs are indistinguishable.
	req := map[string]any{
		"appId":              app,
		"responseChatItemId": "fixedItem000000000000001",
		"messages":           []map[string]any{{"role": "user", "content": "same /reasoning /cjk"}},
	}
	evA, resA := collectCallback(t, c, req)
	evB, resB := collectPull(t, c, req)
	evC, resC := collectChannel(t, c, req)
	if !reflect.DeepEqual(evA, evB) || !reflect.DeepEqual(evA, evC) {
		t.Fatalf("events differ:\ncallback %+v\npull     %+v\nchannel  %+v", evA, evB, evC)
	}
	if string(resA) != string(resB) || string(resA) != string(resC) {
		t.Fatalf("results differ:\n%s\n%s\n%s", resA, resB, resC)
	}
	r, err := fastgpt.ParseStreamResult(resA)
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	for _, ev := range evA {
		if ev.HasText {
			text.WriteString(ev.Text)
		}
	}
	if r.Interactive != nil || r.Variables != nil || r.FlowResponses != nil || r.Answer != "你好，世界！这是一个测试回答。🙂" || text.String() != r.Answer || r.Reasoning != "Let me think." ||
		!r.Done || r.EventCount != len(evA) || r.FinishReason == nil || *r.FinishReason != "stop" {
		t.Fatalf("result: %+v (text %q)", r, text.String())
	}
	last := evA[len(evA)-1]
	if last.Name != "done" || last.Data != "[DONE]" || last.HasText {
		t.Fatalf("last event: %+v", last)
	}

	// Detail stream with tools: same event sequence (names, text) and same accumulated
	// tool calls; flowResponses carry timings, so only their presence is compared.
	det := chatReq(app, "", "look up /tool", true)
	evA, resA = collectCallback(t, c, det)
	evB, resB = collectPull(t, c, det)
	names := func(evs []fastgpt.Event) (out []string) {
		for _, ev := range evs {
			out = append(out, ev.Name+"|"+ev.Text)
		}
		return
	}
	if !reflect.DeepEqual(names(evA), names(evB)) {
		t.Fatalf("detail events differ:\n%v\n%v", names(evA), names(evB))
	}
	ra, _ := fastgpt.ParseStreamResult(resA)
	rb, _ := fastgpt.ParseStreamResult(resB)
	if ra.Answer != rb.Answer || string(ra.ToolCalls) != string(rb.ToolCalls) || ra.EventCount != rb.EventCount ||
		len(ra.FlowResponses) == 0 || len(rb.FlowResponses) == 0 {
		t.Fatalf("detail results differ:\n%s\n%s", resA, resB)
	}
	var tools []struct {
		ID     string `json:"id"`
		Params string `json:"params"`
	}
	mustUnmarshal(t, ra.ToolCalls, &tools)
	if len(tools) != 1 || tools[0].ID != "call_1" || tools[0].Params != `{"q":"x"}` {
		t.Fatalf("tool calls: %s", ra.ToolCalls)
	}
	sawFlow := false
	for _, ev := range evA {
		if ev.Name == "flowResponses" && !ev.HasText {
			sawFlow = true
		}
	}
	if !sawFlow {
		t.Fatalf("no flowResponses event: %v", names(evA))
	}
}

// TestCallbackReentrant: a callback may call the library (another request on the same
// client), and the client may be closed from inside the callback.
func TestCallbackReentrant(t *testing.T) {
	c, err := fastgpt.New(devKey, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	app := newAppID()
	nested := 0
	res, err := c.CreateChatCompletionStream(context.Background(), chatReq(app, newChatID(), "reenter", false),
		func(ev fastgpt.Event) error {
			if nested == 0 {
				if _, err := c.GetChatInit(context.Background(), app, "x"); err != nil {
					return err
				}
				c.Close() // the running call keeps its own reference
			}
			nested++
			return nil
		})
	if err != nil || nested < 2 || !strings.Contains(string(res), "You said: reenter") {
		t.Fatalf("reentrant: %v %d %s", err, nested, res)
	}
}

// TestStreamOutlivesClient: a stream stays usable after its client is closed.
func TestStreamOutlivesClient(t *testing.T) {
	c, err := fastgpt.New(devKey, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.OpenStream(context.Background(), chatReq(newAppID(), "", "outlive", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c.Close()
	for {
		_, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	res, err := s.Result()
	if err != nil || !strings.Contains(string(res), "You said: outlive") {
		t.Fatalf("%s %v", res, err)
	}
	s.Close()
	s.Close() // idempotent
	if _, err := s.Next(); !errors.Is(err, fastgpt.ErrClosed) {
		t.Fatalf("Next after Close: %v", err)
	}
	if _, err := s.Result(); !errors.Is(err, fastgpt.ErrClosed) {
		t.Fatalf("Result after Close: %v", err)
	}
}

var errStop = errors.New("stop here")

// TestCallbackError: a callback returning an error aborts the call with StatusAborted,
// wrapping that error, with the partial result.
func TestCallbackError(t *testing.T) {
	c := newClient(t)
	n := 0
	_, err := c.CreateChatCompletionStream(context.Background(), chatReq(newAppID(), "", "abort me please", false),
		func(ev fastgpt.Event) error {
			n++
			if ev.HasText && ev.Text != "" {
				return errStop
			}
			return nil
		})
	e := asError(t, err)
	if e.Status != fastgpt.StatusAborted || !errors.Is(err, fastgpt.StatusAborted) || !errors.Is(err, errStop) ||
		errors.Is(err, context.Canceled) {
		t.Fatalf("abort: %+v", e)
	}
	p, perr := fastgpt.ParseStreamResult(e.Partial)
	if perr != nil || p.Answer != "You" || p.EventCount != n || p.Done {
		t.Fatalf("partial: %s", e.Partial)
	}
}

// TestCallbackPanic: a panicking callback is recovered and reported as StatusAborted with
// a *PanicError cause; the client stays usable.
func TestCallbackPanic(t *testing.T) {
	c := newClient(t)
	_, err := c.CreateChatCompletionStream(context.Background(), chatReq(newAppID(), "", "panic", false),
		func(ev fastgpt.Event) error {
			panic("boom")
		})
	e := asError(t, err)
	var pe *fastgpt.PanicError
	if e.Status != fastgpt.StatusAborted || !errors.As(err, &pe) || pe.Value != "boom" || len(pe.Stack) == 0 {
		t.Fatalf("panic: %+v", e)
	}
	if !strings.Contains(err.Error(), "boom") {
		t.Fatalf("message: %v", err)
	}
	if _, err := c.CreateChatCompletionStream(context.Background(), chatReq(newAppID(), "", "after", false), nil); err != nil {
		t.Fatalf("after panic: %v", err)
	}
}

// TestStreamErrorEvent: an `event: error` frame is delivered as an event, then the call
// fails with StatusAPI (both forms).
func TestStreamErrorEvent(t *testing.T) {
	c := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "error-event"}))
	req := chatReq(newAppID(), "", "quota", false)
	var names []string
	_, err := c.CreateChatCompletionStream(context.Background(), req, func(ev fastgpt.Event) error {
		names = append(names, ev.Name)
		return nil
	})
	e := asError(t, err)
	if e.Status != fastgpt.StatusAPI || names[len(names)-1] != "error" || e.StatusText != "insufficientQuota" {
		t.Fatalf("callback: %+v %v", e, names)
	}
	if code, ok := e.APICodeInt(); !ok || code != 510 {
		t.Fatalf("api code %s", e.APICode)
	}
	p, _ := fastgpt.ParseStreamResult(e.Partial)
	if p.Answer != "You sa" {
		t.Fatalf("partial %s", e.Partial)
	}

	s, err := c.OpenStream(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var last fastgpt.Event
	for {
		ev, err := s.Next()
		if err != nil {
			e := asError(t, err)
			if e.Status != fastgpt.StatusAPI || last.Name != "error" || !strings.Contains(last.Data, "510") {
				t.Fatalf("pull: %+v last %+v", e, last)
			}
			break
		}
		last = ev
	}
	if _, err := s.Next(); !errors.Is(err, fastgpt.StatusAPI) { // sticky
		t.Fatalf("sticky: %v", err)
	}
}

// TestEventsEarlyClose: a consumer that stops reading and closes the stream releases the
// Events goroutine (the channel gets closed, Err is ErrClosed).
func TestEventsEarlyClose(t *testing.T) {
	c := newClient(t)
	s, err := c.OpenStream(context.Background(), chatReq(newAppID(), "", strings.Repeat("many words ", 20), false))
	if err != nil {
		t.Fatal(err)
	}
	ch := s.Events(context.Background())
	<-ch
	s.Close()
	for range ch { // at most one event was in flight; then the channel closes
	}
	if !errors.Is(s.Err(), fastgpt.ErrClosed) {
		t.Fatalf("Err after early Close: %v", s.Err())
	}
}

// TestFinalizers: clients and streams that are never closed are freed by their
// finalizers without crashing.
func TestFinalizers(t *testing.T) {
	for i := 0; i < 4; i++ {
		c, err := fastgpt.New(devKey, baseURL)
		if err != nil {
			t.Fatal(err)
		}
		s, err := c.OpenStream(context.Background(), chatReq(newAppID(), "", "leak", false))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Next(); err != nil {
			t.Fatal(err)
		}
	}
	for i := 0; i < 5; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
}
