package fastgpt_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

const stall = "stall-mid-stream:5000"

// prompt is how quickly a cancelled call must return (the library polls every 100 ms).
const prompt = time.Second

func stallClient(t *testing.T) *fastgpt.Client {
	return newClient(t, withHeaders(map[string]string{"X-Dev-Fault": stall}))
}

// TestCancelStalledStreamCallback: cancelling the context of a stalled callback stream
// returns promptly with errors.Is(err, context.Canceled) and the partial result.
func TestCancelStalledStreamCallback(t *testing.T) {
	c := stallClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelledAt time.Time
	var once sync.Once
	_, err := c.CreateChatCompletionStream(ctx, chatReq(newAppID(), "", "stall me", false), func(ev fastgpt.Event) error {
		if ev.Text == " sa" { // the last chunk before the stall ("You sa")
			once.Do(func() {
				go func() {
					time.Sleep(100 * time.Millisecond)
					cancelledAt = time.Now()
					cancel()
				}()
			})
		}
		return nil
	})
	elapsed := time.Since(cancelledAt)
	e := asError(t, err)
	if e.Status != fastgpt.StatusCancelled || !errors.Is(err, context.Canceled) || !errors.Is(err, fastgpt.StatusCancelled) {
		t.Fatalf("cancel: %+v", e)
	}
	if cancelledAt.IsZero() || elapsed > prompt {
		t.Fatalf("returned %v after cancel", elapsed)
	}
	p, _ := fastgpt.ParseStreamResult(e.Partial)
	if p.Answer != "You sa" {
		t.Fatalf("partial %s", e.Partial)
	}
}

// TestCancelStalledStreamPull: the same for a Next blocked on another goroutine's context.
func TestCancelStalledStreamPull(t *testing.T) {
	c := stallClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := c.OpenStream(ctx, chatReq(newAppID(), "", "stall me", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var cancelledAt time.Time
	go func() {
		time.Sleep(300 * time.Millisecond)
		cancelledAt = time.Now()
		cancel()
	}()
	var answer strings.Builder
	for {
		ev, err := s.Next()
		if err != nil {
			elapsed := time.Since(cancelledAt)
			if !errors.Is(err, context.Canceled) || !errors.Is(err, fastgpt.StatusCancelled) || elapsed > prompt {
				t.Fatalf("pull cancel: %v after %v", err, elapsed)
			}
			break
		}
		answer.WriteString(ev.Text)
	}
	res, err := s.Result()
	if err != nil || answer.String() != "You sa" || !strings.Contains(string(res), `"answer":"You sa"`) {
		t.Fatalf("result after cancel: %s %v (answer %q)", res, err, answer.String())
	}
}

// TestCancelEventsChannel: cancelling the Events context closes the channel promptly and
// Err reports context.Canceled.
func TestCancelEventsChannel(t *testing.T) {
	c := stallClient(t)
	s, err := c.OpenStream(context.Background(), chatReq(newAppID(), "", "stall me", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var cancelledAt time.Time
	for ev := range s.Events(ctx) {
		n++
		if ev.Text == " sa" {
			cancelledAt = time.Now()
			cancel()
		}
	}
	if elapsed := time.Since(cancelledAt); cancelledAt.IsZero() || elapsed > prompt || !errors.Is(s.Err(), context.Canceled) {
		t.Fatalf("events cancel: %v after %v (%d events)", s.Err(), elapsed, n)
	}
}

// TestCloseDuringNext: Close from another goroutine unblocks a stalled Next (it cancels
// the token and waits for Next before freeing the stream).
func TestCloseDuringNext(t *testing.T) {
	c := stallClient(t)
	s, err := c.OpenStream(context.Background(), chatReq(newAppID(), "", "stall me", false))
	if err != nil {
		t.Fatal(err)
	}
	errc := make(chan error, 1)
	go func() {
		for {
			if _, err := s.Next(); err != nil {
				errc <- err
				return
			}
		}
	}()
	time.Sleep(300 * time.Millisecond)
	start := time.Now()
	s.Close()
	closeTook := time.Since(start)
	select {
	case err := <-errc:
		if !errors.Is(err, fastgpt.ErrClosed) || errors.Is(err, context.Canceled) {
			t.Fatalf("Next after Close: %v", err)
		}
	case <-time.After(prompt):
		t.Fatal("Next still blocked after Close")
	}
	if closeTook > prompt {
		t.Fatalf("Close took %v", closeTook)
	}
}

// TestDeadline: a context deadline becomes the token's cancel_after deadline: the call
// returns StatusCancelled with errors.Is(err, context.DeadlineExceeded), promptly.
func TestDeadline(t *testing.T) {
	c := stallClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.CreateChatCompletionStream(ctx, chatReq(newAppID(), "", "deadline", false), nil)
	took := time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, fastgpt.StatusCancelled) || took > 400*time.Millisecond+prompt {
		t.Fatalf("deadline stream: %v after %v", err, took)
	}

	// Non-streaming call stalled before the response head.
	cs := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "stall-before-headers:5000"}))
	ctx2, cancel2 := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel2()
	start = time.Now()
	_, err = cs.GetChatInit(ctx2, newAppID(), "c")
	took = time.Since(start)
	if !errors.Is(err, context.DeadlineExceeded) || took > 300*time.Millisecond+prompt {
		t.Fatalf("deadline endpoint: %v after %v", err, took)
	}

	// Pull form: the OpenStream context's deadline covers the whole stream.
	ctx3, cancel3 := context.WithTimeout(context.Background(), 400*time.Millisecond)
	defer cancel3()
	s, err := c.OpenStream(ctx3, chatReq(newAppID(), "", "deadline", false))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for {
		if _, err = s.Next(); err != nil {
			break
		}
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline pull: %v", err)
	}
}

// TestAlreadyCancelled: a call with a done context returns StatusCancelled without any
// request.
func TestAlreadyCancelled(t *testing.T) {
	c := newClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := c.GetChatInit(ctx, newAppID(), "c")
	e := asError(t, err)
	if !errors.Is(err, context.Canceled) || e.Attempts != 0 {
		t.Fatalf("pre-cancelled: %+v", e)
	}
	_, err = c.OpenStream(ctx, chatReq(newAppID(), "", "x", false))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("pre-cancelled OpenStream: %v", err)
	}
}

// TestConcurrent: 8 goroutines share one client, using every call shape at once, with
// some cancellations mixed in; then the client is closed while streams are in flight.
func TestConcurrent(t *testing.T) {
	c := newClient(t)
	slow := newClient(t, withHeaders(map[string]string{"X-Dev-Chunk-Delay-Ms": "20"}))
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			app := newAppID()
			for i := 0; i < 4; i++ {
				chat := fmt.Sprintf("g%di%d%s", g, i, newChatID())
				q := fmt.Sprintf("goroutine %d turn %d", g, i)
				want := "You said: " + q
				var got strings.Builder
				res, err := c.CreateChatCompletionStream(context.Background(), chatReq(app, chat, q, i%2 == 0),
					func(ev fastgpt.Event) error { got.WriteString(ev.Text); return nil })
				if err != nil || got.String() != want || !strings.Contains(string(res), want) {
					errs <- fmt.Errorf("g%d callback: %v %q", g, err, got.String())
					return
				}
				s, err := c.OpenStream(context.Background(), chatReq(app, chat, q, false))
				if err != nil {
					errs <- fmt.Errorf("g%d open: %v", g, err)
					return
				}
				got.Reset()
				for {
					ev, err := s.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						errs <- fmt.Errorf("g%d next: %v", g, err)
						s.Close()
						return
					}
					got.WriteString(ev.Text)
				}
				s.Close()
				if got.String() != want {
					errs <- fmt.Errorf("g%d pull: %q", g, got.String())
					return
				}
				raw, err := c.CreateChatCompletion(context.Background(), chatReq(app, chat, q, false))
				if err != nil || !strings.Contains(string(raw), want) {
					errs <- fmt.Errorf("g%d completion: %v", g, err)
					return
				}
				if _, err := c.GetChatRecords(context.Background(), app, chat, 0, 20, false); err != nil {
					errs <- fmt.Errorf("g%d records: %v", g, err)
					return
				}
				// A cancelled slow stream on the side.
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
				_, err = slow.CreateChatCompletionStream(ctx, chatReq(app, "", strings.Repeat("long ", 40), false), nil)
				cancel()
				if !errors.Is(err, context.DeadlineExceeded) {
					errs <- fmt.Errorf("g%d slow: %v", g, err)
					return
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	// Close the client while 8 streams run on it: they finish normally.
	cl, err := fastgpt.NewWithOptions(fastgpt.Options{APIKey: devKey, BaseURL: baseURL,
		Headers: map[string]string{"X-Dev-Chunk-Delay-Ms": "10"}})
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan error, 8)
	started := make(chan struct{}, 8)
	for g := 0; g < 8; g++ {
		go func(g int) {
			var once sync.Once
			_, err := cl.CreateChatCompletionStream(context.Background(), chatReq(newAppID(), "", "close under me please", false),
				func(fastgpt.Event) error { once.Do(func() { started <- struct{}{} }); return nil })
			results <- err
		}(g)
	}
	for g := 0; g < 8; g++ {
		<-started
	}
	cl.Close()
	for g := 0; g < 8; g++ {
		if err := <-results; err != nil {
			t.Errorf("stream during Close: %v", err)
		}
	}
}
