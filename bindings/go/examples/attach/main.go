// Command attach uploads a file to a chat and asks about it. The upload result's url and
// key both go into the message part: FastGPT re-signs the URL from the key whenever the
// history is read, so the chat outlives the (short-lived) URL.
//
//	FASTGPT_BASE_URL=http://127.0.0.1:PORT go run ./examples/attach [file]
//
// FASTGPT_API_KEY and FASTGPT_APP_ID as for the quickstart. Without a file it uploads a
// small text file made here.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"time"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

func getenv(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run() error {
	appID := getenv("FASTGPT_APP_ID", "65f0000000000000000000aa")
	chatID := fmt.Sprintf("attach-%d", time.Now().UnixNano())
	client, err := fastgpt.New(getenv("FASTGPT_API_KEY", "fastgpt-dev-key"), getenv("FASTGPT_BASE_URL", "http://localhost:3000"))
	if err != nil {
		return err
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	// 1. Upload: {"url","key","name","type":"image"|"file","preview_url"}.
	var raw json.RawMessage
	if len(os.Args) > 1 {
		raw, err = client.UploadChatFile(ctx, appID, chatID, os.Args[1])
	} else {
		raw, err = client.UploadChatBytes(ctx, appID, chatID, "notes.txt", "", []byte("Meeting at 10:00 in room 4."))
	}
	if err != nil {
		return err
	}
	var up struct {
		URL  string `json:"url"`
		Key  string `json:"key"`
		Name string `json:"name"`
		Type string `json:"type"`
	}
	if err := json.Unmarshal(raw, &up); err != nil {
		return err
	}
	fmt.Printf("uploaded %s as %s\n", up.Name, up.Key)

	// 2. The message part carries url AND key.
	part := map[string]any{"type": "file_url", "name": up.Name, "url": up.URL, "key": up.Key}
	if up.Type == "image" {
		part = map[string]any{"type": "image_url", "image_url": map[string]string{"url": up.URL}, "key": up.Key}
	}
	req := fastgpt.ChatRequest{
		ChatID: chatID,
		Messages: []fastgpt.Message{{Role: "user", Content: []any{
			map[string]string{"type": "text", "text": "What does the file say?"},
			part,
		}}},
	}
	_, err = client.CreateChatCompletionStream(ctx, req, func(ev fastgpt.Event) error {
		if ev.HasText {
			fmt.Print(ev.Text)
		}
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Println()

	// 3. Later (the URL expires after about an hour): a fresh download URL from the key.
	env, err := client.GetChatFileURL(ctx, appID, chatID, up.Key)
	if err != nil {
		return err
	}
	var fresh struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(env, &fresh); err != nil {
		return err
	}
	fmt.Println("download:", fresh.Data)
	return nil
}
