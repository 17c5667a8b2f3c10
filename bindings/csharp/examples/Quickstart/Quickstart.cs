// Quickstart.cs: the first program of every libfastgpt binding's README. It streams a chat
// answer, printing the text as it arrives, then lists the chat's records.
//
//   FASTGPT_BASE_URL (default http://localhost:3000), FASTGPT_API_KEY (default the dev
//   server's key), FASTGPT_APP_ID (the key's app; default the dev server's default app)
//
//   dotnet run                      (Quickstart.csproj beside this file)
//   mono Quickstart.exe             (built with mcs, see the README)
using System;
using FastGpt;

public static class Quickstart
{
    private static string Env(string name, string fallback)
    {
        string v = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(v) ? fallback : v;
    }

    public static int Main()
    {
        string appId = Env("FASTGPT_APP_ID", "65f0000000000000000000aa");
        string chatId = "quickstart-" + DateTime.UtcNow.Ticks;
        try
        {
            using (var client = new FastGptClient(Env("FASTGPT_API_KEY", "fastgpt-dev-key"),
                                                  Env("FASTGPT_BASE_URL", "http://localhost:3000")))
            {
                // 1. Stream a chat: print the answer as it arrives.
                string request = "{\"chatId\":" + Json.Quote(chatId) +
                                 ",\"messages\":[{\"role\":\"user\",\"content\":\"Hello! What can you do?\"}]}";
                client.CreateChatCompletionStream(request, ev =>
                {
                    if (ev.Text != null) Console.Write(ev.Text);
                });
                Console.WriteLine();

                // 2. List the chat's records (oldest first): the question and the answer.
                JsonObject page = Json.ParseObject(client.GetChatRecords(appId, chatId, 0, 20));
                foreach (object item in page.GetObject("data").GetArray("list"))
                {
                    var record = (JsonObject)item;
                    foreach (object part in record.GetArray("value"))
                    {
                        JsonObject text = ((JsonObject)part).GetObject("text");
                        if (text != null)
                            Console.WriteLine("[" + record.GetString("dataId") + "] " +
                                              record.GetString("obj") + ": " + text.GetString("content"));
                    }
                }
            }
            return 0;
        }
        catch (FastGptException e)
        {
            Console.Error.WriteLine("error: " + e.StatusName + ": " + e.Message);
            return 1;
        }
    }
}
