// Command quickstart is the first program of every libfastgpt binding's README: it streams
// a chat answer, printing the text as it arrives, then lists the chat's records.
//
//	FASTGPT_BASE_URL=https://fastgpt.example.com FASTGPT_API_KEY=fastgpt-xxxx \
//	FASTGPT_APP_ID=<the key's app id> go run .
//
// Without the variables it talks to the bundled dev server's defaults
// (http://localhost:3000, key fastgpt-dev-key, app 65f0000000000000000000aa).
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
	baseURL := getenv("FASTGPT_BASE_URL", "http://localhost:3000")
	apiKey := getenv("FASTGPT_API_KEY", "fastgpt-dev-key")
	appID := getenv("FASTGPT_APP_ID", "65f0000000000000000000aa")
	chatID := fmt.Sprintf("quickstart-%d", time.Now().UnixNano())

	client, err := fastgpt.New(apiKey, baseURL)
	if err != nil {
		return err
	}
	defer client.Close()

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// 1. Stream a chat: print the answer as it arrives.
	req := fastgpt.ChatRequest{
		ChatID:   chatID,
		Messages: []fastgpt.Message{{Role: "user", Content: "Hello! What can you do?"}},
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

	// 2. List the chat's records (oldest first): the question and the answer.
	page, err := client.GetChatRecords(ctx, appID, chatID, 0, 20, false)
	if err != nil {
		return err
	}
	var records struct {
		Data struct {
			List []struct {
				DataID string `json:"dataId"`
				Obj    string `json:"obj"` // "Human" or "AI"
				Value  []struct {
					Text *struct {
						Content string `json:"content"`
					} `json:"text"`
				} `json:"value"`
			} `json:"list"`
		} `json:"data"`
	}
	if err := json.Unmarshal(page, &records); err != nil {
		return err
	}
	for _, r := range records.Data.List {
		for _, v := range r.Value {
			if v.Text != nil {
				fmt.Printf("[%s] %s: %s\n", r.DataID, r.Obj, v.Text.Content)
			}
		}
	}
	return nil
}
