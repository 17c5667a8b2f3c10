// Chat.cs: a streaming chat on the console, printing the answer as it arrives.
//
//   FASTGPT_BASE_URL  server (default http://localhost:3000)
//   FASTGPT_API_KEY   API key (default: the dev server's key, fastgpt-dev-key)
//   FASTGPT_APP_ID    optional appId sent with each completion
//
//   mono Chat.exe "first question" "follow-up" ...     (no arguments: read lines from stdin)
//
// Ctrl+C cancels the answer being streamed (CancellationToken -> fastgpt_cancel_token_cancel).
using System;
using System.Collections.Generic;
using System.Threading;
using FastGpt;

public static class Chat
{
    public static int Main(string[] args)
    {
        string baseUrl = Environment.GetEnvironmentVariable("FASTGPT_BASE_URL") ?? "http://localhost:3000";
        string apiKey = Environment.GetEnvironmentVariable("FASTGPT_API_KEY") ?? "fastgpt-dev-key";
        string appId = Environment.GetEnvironmentVariable("FASTGPT_APP_ID");
        string chatId = "cs-chat-" + Guid.NewGuid().ToString("N").Substring(0, 16);

        CancellationTokenSource current = null;
        Console.CancelKeyPress += (sender, e) =>
        {
            CancellationTokenSource cts = current;
            if (cts != null) { e.Cancel = true; cts.Cancel(); } // stop this answer, keep the program
        };

        try
        {
            using (var client = new FastGptClient(apiKey, baseUrl))
            {
                IEnumerable<string> questions = args.Length > 0 ? args : ReadLines();
                foreach (string question in questions)
                {
                    if (question.Trim().Length == 0) continue;
                    var request = new JsonObject();
                    request["chatId"] = chatId;
                    if (appId != null) request["appId"] = appId;
                    var message = new JsonObject();
                    message["role"] = "user";
                    message["content"] = question;
                    request["messages"] = new JsonArray { message };

                    Console.Write("> " + question + "\n< ");
                    using (var cts = new CancellationTokenSource())
                    {
                        current = cts;
                        try
                        {
                            // Callback form: runs on this thread as each SSE event arrives.
                            string resultJson = client.CreateChatCompletionStream(Json.Serialize(request), ev =>
                            {
                                if (ev.Text != null) Console.Write(ev.Text);
                            }, cts.Token);
                            JsonObject result = Json.ParseObject(resultJson);
                            Console.WriteLine();
                            Console.WriteLine("  [" + result.GetInt64("event_count") + " events, finish_reason "
                                + (result.GetString("finish_reason") ?? "none") + "]");
                        }
                        catch (OperationCanceledException)
                        {
                            Console.WriteLine("\n  [cancelled]");
                        }
                        finally
                        {
                            current = null;
                        }
                    }
                }
            }
            return 0;
        }
        catch (FastGptException e)
        {
            Console.Error.WriteLine();
            Console.Error.WriteLine("error: " + e.StatusName + ": " + e.Message
                + (e.HttpStatus.HasValue ? " (HTTP " + e.HttpStatus + ")" : "")
                + (e.ApiCode.HasValue ? " (code " + e.ApiCode + " " + e.StatusText + ")" : ""));
            return 1;
        }
    }

    private static IEnumerable<string> ReadLines()
    {
        string line;
        while ((line = Console.ReadLine()) != null) yield return line;
    }
}
