// Command chat streams a FastGPT chat completion and prints the answer as it arrives.
//
//	FASTGPT_BASE_URL=http://127.0.0.1:PORT go run ./examples/chat "Hello there"
//	FASTGPT_BASE_URL=https://cloud.fastgpt.cn/api FASTGPT_API_KEY=fastgpt-xxxx go run ./examples/chat
//
// With no message arguments it reads one message per line from stdin, continuing the same
// chat. Ctrl-C cancels the answer in progress (and exits).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	fastgpt "github.com/libfastgpt/libfastgpt/bindings/go"
)

func main() {
	chatID := flag.String("chat", "", "chat id to continue (default: a new random one)")
	detail := flag.Bool("detail", false, "ask for a detail stream (shows node status events)")
	flag.Parse()

	baseURL := os.Getenv("FASTGPT_BASE_URL") // "" = the library default, http://localhost:3000
	apiKey := os.Getenv("FASTGPT_API_KEY")
	if apiKey == "" {
		apiKey = "fastgpt-dev-key" // the bundled dev server's key
	}
	if *chatID == "" {
		b := make([]byte, 8)
		_, _ = rand.Read(b)
		*chatID = "go-chat-" + hex.EncodeToString(b)
	}

	client, err := fastgpt.New(apiKey, baseURL)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer client.Close()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	ask := func(text string) error {
		req := fastgpt.ChatRequest{
			ChatID:   *chatID,
			Detail:   *detail,
			Messages: []fastgpt.Message{{Role: "user", Content: text}},
		}
		res, err := client.CreateChatCompletionStream(ctx, req, func(ev fastgpt.Event) error {
			switch {
			case ev.HasText:
				fmt.Print(ev.Text) // answer text as it arrives
			case ev.Name == "flowNodeStatus":
				fmt.Fprintf(os.Stderr, "[%s]\n", ev.Data)
			}
			return nil
		})
		fmt.Println()
		if err != nil {
			return err
		}
		r, err := fastgpt.ParseStreamResult(res)
		if err == nil && r.Interactive != nil {
			fmt.Fprintf(os.Stderr, "(interactive node: %s)\n", r.Interactive)
		}
		return nil
	}

	report := func(err error) {
		var e *fastgpt.Error
		switch {
		case errors.Is(err, context.Canceled):
			fmt.Fprintln(os.Stderr, "cancelled")
		case errors.As(err, &e):
			fmt.Fprintf(os.Stderr, "error: %s (http %d, api code %s, %s %s)\n",
				e.Message, e.HTTPStatus, e.APICode, e.Method, e.URL)
		default:
			fmt.Fprintln(os.Stderr, "error:", err)
		}
	}

	if flag.NArg() > 0 {
		if err := ask(strings.Join(flag.Args(), " ")); err != nil {
			report(err)
			os.Exit(1)
		}
		return
	}
	fmt.Fprintf(os.Stderr, "chat %s; one message per line, Ctrl-D to quit\n", *chatID)
	in := bufio.NewScanner(os.Stdin)
	for ctx.Err() == nil {
		fmt.Fprint(os.Stderr, "> ")
		if !in.Scan() {
			return
		}
		if line := strings.TrimSpace(in.Text()); line != "" {
			if err := ask(line); err != nil {
				report(err)
				if ctx.Err() != nil {
					os.Exit(130)
				}
			}
		}
	}
}
