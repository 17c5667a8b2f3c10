package fastgpt_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

func TestVersion(t *testing.T) {
	if err := fastgpt.CheckVersion(); err != nil {
		t.Fatal(err)
	}
	if fastgpt.VersionNumber()/1000 != fastgpt.HeaderVersionNumber/1000 {
		t.Fatalf("version %d vs header %d", fastgpt.VersionNumber(), fastgpt.HeaderVersionNumber)
	}
	if v := fastgpt.Version(); strings.Count(v, ".") < 2 {
		t.Fatalf("Version() = %q", v)
	}
	if s := fastgpt.StatusAPI.String(); s != "FASTGPT_E_API" {
		t.Fatalf("StatusAPI.String() = %q", s)
	}
	if s := fastgpt.Status(999).String(); s != "unknown" {
		t.Fatalf("Status(999).String() = %q", s)
	}
}

func TestClientConstructionAndClose(t *testing.T) {
	c, err := fastgpt.New(devKey, baseURL)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetChatInit(context.Background(), newAppID(), "x"); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Close(); err != nil { // idempotent
		t.Fatal(err)
	}
	if _, err := c.GetChatInit(context.Background(), newAppID(), "x"); !errors.Is(err, fastgpt.ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}

	// Unknown option key.
	_, err = fastgpt.NewWithOptionsJSON(`{"api_key":"k","bogus":1}`)
	if e := asError(t, err); e.Status != fastgpt.StatusInvalidArgument || !errors.Is(err, fastgpt.StatusInvalidArgument) {
		t.Fatalf("bogus option: %+v", e)
	}
	// Empty key.
	_, err = fastgpt.New("", baseURL)
	if e := asError(t, err); e.Status != fastgpt.StatusInvalidArgument || e.Message == "" || len(e.Raw) == 0 {
		t.Fatalf("empty key: %+v", e)
	}
	// A NUL byte would be silently truncated by C.CString: refused in Go.
	_, err = fastgpt.New("key\x00tail", baseURL)
	if e := asError(t, err); e.Status != fastgpt.StatusInvalidArgument {
		t.Fatalf("NUL key: %+v", e)
	}
	// Forbidden header.
	_, err = fastgpt.NewWithOptions(fastgpt.Options{APIKey: devKey, Headers: map[string]string{"Authorization": "x"}})
	if e := asError(t, err); e.Status != fastgpt.StatusInvalidArgument {
		t.Fatalf("Authorization header: %+v", e)
	}
}

func TestInvalidArguments(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	app := newAppID()
	check := func(name string, err error) {
		t.Helper()
		e := asError(t, err)
		if e.Status != fastgpt.StatusInvalidArgument || e.Attempts != 0 || e.Method != "" {
			t.Fatalf("%s: %+v", name, e)
		}
	}
	_, err := c.GetChatInit(ctx, "a\x00b", "c")
	check("NUL in appID", err)
	_, err = c.GetChatHistories(ctx, app, 0, 0, nil)
	check("pageSize 0", err)
	_, err = c.GetChatHistories(ctx, app, 1<<40, 1, nil)
	check("offset out of int32", err)
	_, err = c.UpdateChatHistory(ctx, app, "c", nil, nil)
	check("nothing to update", err)
	_, err = c.Request(ctx, "PATCH", "/api/x", nil, nil)
	check("bad method", err)
	_, err = c.Request(ctx, "GET", "/api/x", map[string]any{"a": []int{1}}, nil)
	check("array in query", err)
	_, err = c.CreateChatCompletion(ctx, "[1,2]")
	check("request not an object", err)
	_, err = c.CreateChatCompletion(ctx, nil)
	check("nil request", err)
	_, err = c.OpenStream(ctx, "{")
	check("bad JSON", err)
	_, err = c.CreateChatCompletionStream(ctx, map[string]any{"x": make(chan int)}, nil)
	check("unmarshalable request", err)
}

func TestCreateChatCompletion(t *testing.T) {
	c := newClient(t)
	app := newAppID()
	raw, err := c.CreateChatCompletion(context.Background(), chatReq(app, newChatID(), "hello", false))
	if err != nil {
		t.Fatal(err)
	}
	var resp struct {
		Choices []struct {
			Message struct{ Content string } `json:"message"`
		} `json:"choices"`
	}
	mustUnmarshal(t, raw, &resp)
	if len(resp.Choices) != 1 || resp.Choices[0].Message.Content != "You said: hello" {
		t.Fatalf("completion: %s", raw)
	}
	// Raw JSON string requests work too.
	raw, err = c.CreateChatCompletion(context.Background(),
		`{"appId":"`+app+`","messages":[{"role":"user","content":"raw"}]}`)
	if err != nil || !strings.Contains(string(raw), "You said: raw") {
		t.Fatalf("raw request: %s %v", raw, err)
	}
}

// TestChatLifecycle exercises every endpoint operation on one chat.
func TestChatLifecycle(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	app, chat := newAppID(), newChatID()

	// Two turns, one streamed, one not; the streamed one with a known dataId.
	req := chatReq(app, chat, "first question", true)
	req.ResponseChatItemID = "aiItem000000000000000001"
	res, err := c.CreateChatCompletionStream(ctx, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	sr, err := fastgpt.ParseStreamResult(res)
	if err != nil || sr.Answer != "You said: first question" || sr.ResponseChatItemID != req.ResponseChatItemID ||
		sr.ChatID == nil || *sr.ChatID != chat || !sr.Done {
		t.Fatalf("stream result: %s %v", res, err)
	}
	if _, err := c.CreateChatCompletion(ctx, chatReq(app, chat, "second", false)); err != nil {
		t.Fatal(err)
	}

	// Histories.
	var hist struct {
		List []struct {
			ChatID      string `json:"chatId"`
			Title       string `json:"title"`
			CustomTitle string `json:"customTitle"`
			Top         bool   `json:"top"`
		} `json:"list"`
		Total int `json:"total"`
	}
	mustUnmarshal(t, envelope(t)(c.GetChatHistories(ctx, app, 0, 10, nil)), &hist)
	if hist.Total != 1 || hist.List[0].ChatID != chat || hist.List[0].Title != "first question" {
		t.Fatalf("histories: %+v", hist)
	}
	mustUnmarshal(t, envelope(t)(c.GetChatHistories(ctx, app, 0, 10, fastgpt.String(""))), &hist)
	if hist.Total != 1 {
		t.Fatalf("histories (all sources): %+v", hist)
	}

	// Init.
	var init struct {
		ChatID string `json:"chatId"`
		Title  string `json:"title"`
		App    struct {
			Name string `json:"name"`
		} `json:"app"`
	}
	mustUnmarshal(t, envelope(t)(c.GetChatInit(ctx, app, chat)), &init)
	if init.ChatID != chat || init.Title != "first question" || init.App.Name == "" {
		t.Fatalf("init: %+v", init)
	}

	// Records.
	type record struct {
		DataID           string          `json:"dataId"`
		Obj              string          `json:"obj"`
		UserGoodFeedback *string         `json:"userGoodFeedback"`
		CustomFeedbacks  json.RawMessage `json:"customFeedbacks"`
	}
	var recs struct {
		List  []record `json:"list"`
		Total int      `json:"total"`
	}
	mustUnmarshal(t, envelope(t)(c.GetChatRecords(ctx, app, chat, 0, 10, true)), &recs)
	if recs.Total != 4 || len(recs.List) != 4 || recs.List[1].DataID != req.ResponseChatItemID ||
		recs.List[1].Obj != "AI" || recs.List[0].CustomFeedbacks == nil {
		t.Fatalf("records: %+v", recs)
	}

	// Record detail.
	var detail []map[string]any
	mustUnmarshal(t, envelope(t)(c.GetRecordDetail(ctx, app, chat, req.ResponseChatItemID)), &detail)
	if len(detail) == 0 {
		t.Fatal("record detail: empty")
	}

	// Feedback.
	envelope(t)(c.SendFeedback(ctx, app, chat, req.ResponseChatItemID, fastgpt.String("great"), nil))
	mustUnmarshal(t, envelope(t)(c.GetChatRecords(ctx, app, chat, 0, 10, false)), &recs)
	if g := recs.List[1].UserGoodFeedback; g == nil || *g != "great" {
		t.Fatalf("feedback not stored: %+v", recs.List[1])
	}

	// Suggested questions.
	var questions []string
	mustUnmarshal(t, envelope(t)(c.GetSuggestedQuestions(ctx, app, chat, nil)), &questions)
	if len(questions) != 3 || !strings.Contains(questions[0], "second") {
		t.Fatalf("questions: %v", questions)
	}
	mustUnmarshal(t, envelope(t)(c.GetSuggestedQuestions(ctx, app, chat, map[string]any{"open": true})), &questions)

	// Rename and pin.
	envelope(t)(c.UpdateChatHistory(ctx, app, chat, fastgpt.String("Renamed"), fastgpt.Bool(true)))
	mustUnmarshal(t, envelope(t)(c.GetChatHistories(ctx, app, 0, 10, nil)), &hist)
	if hist.List[0].CustomTitle != "Renamed" || !hist.List[0].Top {
		t.Fatalf("update history: %+v", hist)
	}

	// Delete one record.
	envelope(t)(c.DeleteChatRecord(ctx, app, chat, req.ResponseChatItemID))
	mustUnmarshal(t, envelope(t)(c.GetChatRecords(ctx, app, chat, 0, 10, false)), &recs)
	if recs.Total != 3 {
		t.Fatalf("after delete record: %+v", recs)
	}

	// Delete the chat, then clear (with a second chat).
	envelope(t)(c.DeleteChatHistory(ctx, app, chat))
	mustUnmarshal(t, envelope(t)(c.GetChatHistories(ctx, app, 0, 10, nil)), &hist)
	if hist.Total != 0 {
		t.Fatalf("after delete history: %+v", hist)
	}
	if _, err := c.CreateChatCompletion(ctx, chatReq(app, newChatID(), "again", false)); err != nil {
		t.Fatal(err)
	}
	envelope(t)(c.ClearChatHistories(ctx, app))
	mustUnmarshal(t, envelope(t)(c.GetChatHistories(ctx, app, 0, 10, nil)), &hist)
	if hist.Total != 0 {
		t.Fatalf("after clear: %+v", hist)
	}
}

func TestAppLogsChart(t *testing.T) {
	c := newClient(t)
	app := newAppID()
	var data struct {
		UserData []json.RawMessage `json:"userData"`
		Request  map[string]any    `json:"request"`
	}
	mustUnmarshal(t, envelope(t)(c.GetAppLogsChart(context.Background(), app,
		"2025-01-01T00:00:00.000Z", "2025-01-03T00:00:00.000Z", map[string]any{"offset": 2})), &data)
	if len(data.UserData) != 3 || data.Request["appId"] != app || data.Request["offset"] != 2.0 ||
		data.Request["userTimespan"] != "day" {
		t.Fatalf("chart: %+v", data)
	}
}

func TestRequest(t *testing.T) {
	c := newClient(t)
	var echo struct {
		Method string         `json:"method"`
		Path   string         `json:"path"`
		Query  map[string]any `json:"query"`
		Body   map[string]any `json:"body"`
	}
	mustUnmarshal(t, envelope(t)(c.Request(context.Background(), "PUT", "/api/__dev/echo",
		map[string]any{"q": "a b", "n": 3, "f": true, "skip": nil}, json.RawMessage(`{"k":[1,2]}`))), &echo)
	if echo.Method != "PUT" || echo.Path != "/api/__dev/echo" || echo.Query["q"] != "a b" ||
		echo.Query["n"] != "3" || echo.Query["f"] != "true" || echo.Query["skip"] != nil || echo.Body["k"] == nil {
		t.Fatalf("echo: %+v", echo)
	}
}

func TestUploads(t *testing.T) {
	c := newClient(t)
	ctx := context.Background()
	app, chat := newAppID(), newChatID()
	png := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00")
	var up struct {
		URL  string `json:"url"`
		Key  string `json:"key"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	raw, err := c.UploadChatBytes(ctx, app, chat, "pixel.png", "", png)
	if err != nil {
		t.Fatal(err)
	}
	mustUnmarshal(t, raw, &up)
	if up.Type != "image" || up.Name != "pixel.png" || up.URL == "" || up.Key == "" {
		t.Fatalf("upload bytes: %s", raw)
	}

	path := filepath.Join(t.TempDir(), "notes.txt")
	if err := os.WriteFile(path, []byte("hello file"), 0o600); err != nil {
		t.Fatal(err)
	}
	raw, err = c.UploadChatFile(ctx, app, chat, path)
	if err != nil {
		t.Fatal(err)
	}
	mustUnmarshal(t, raw, &up)
	if up.Type != "file" || up.Name != "notes.txt" {
		t.Fatalf("upload file: %s", raw)
	}

	// A file that cannot be read.
	_, err = c.UploadChatFile(ctx, app, chat, filepath.Join(t.TempDir(), "missing"))
	if e := asError(t, err); e.Status != fastgpt.StatusInvalidArgument {
		t.Fatalf("missing file: %+v", e)
	}
	// Storage rejecting the upload: E_HTTP with the XML body.
	cf := newClient(t, withHeaders(map[string]string{"X-Dev-Fault": "storage-error"}),
		func(o *fastgpt.Options) { o.MaxRetries = fastgpt.Int(0) })
	_, err = cf.UploadChatBytes(ctx, app, chat, "a.bin", "application/octet-stream", []byte{1, 2, 3})
	if e := asError(t, err); e.Status != fastgpt.StatusHTTP || e.HTTPStatus != 500 || !strings.Contains(e.Body, "InternalError") {
		t.Fatalf("storage error: %+v", e)
	}
}
