// Attach.cs: upload a file to a chat and ask about it. The upload result's "url" and "key"
// both go into the message part: FastGPT re-signs the URL from the key whenever the history
// is read, so the chat outlives the (short-lived) URL.
//
//   FASTGPT_BASE_URL, FASTGPT_API_KEY, FASTGPT_APP_ID as for the quickstart
//   dotnet run [file]  /  mono Attach.exe [file]     (default: a small text file made here)
using System;
using System.Text;
using FastGpt;

public static class Attach
{
    private static string Env(string name, string fallback)
    {
        string v = Environment.GetEnvironmentVariable(name);
        return string.IsNullOrEmpty(v) ? fallback : v;
    }

    public static int Main(string[] args)
    {
        string appId = Env("FASTGPT_APP_ID", "65f0000000000000000000aa");
        string chatId = "attach-" + DateTime.UtcNow.Ticks;
        try
        {
            using (var client = new FastGptClient(Env("FASTGPT_API_KEY", "fastgpt-dev-key"),
                                                  Env("FASTGPT_BASE_URL", "http://localhost:3000")))
            {
                // 1. Upload: {"url","key","name","type":"image"|"file","preview_url"}.
                JsonObject up = Json.ParseObject(args.Length > 0
                    ? client.UploadChatFile(appId, chatId, args[0])
                    : client.UploadChatBytes(appId, chatId, "notes.txt", Encoding.UTF8.GetBytes("Meeting at 10:00 in room 4.")));
                string url = up.GetString("url"), key = up.GetString("key"), name = up.GetString("name");
                Console.WriteLine("uploaded " + name + " as " + key);

                // 2. The message part carries url AND key.
                var part = new JsonObject();
                if (up.GetString("type") == "image")
                {
                    var image = new JsonObject();
                    image["url"] = url;
                    part["type"] = "image_url";
                    part["image_url"] = image;
                }
                else
                {
                    part["type"] = "file_url";
                    part["name"] = name;
                    part["url"] = url;
                }
                part["key"] = key;
                var question = new JsonObject();
                question["type"] = "text";
                question["text"] = "What does the file say?";
                var message = new JsonObject();
                message["role"] = "user";
                message["content"] = new JsonArray { question, part };
                var request = new JsonObject();
                request["chatId"] = chatId;
                request["messages"] = new JsonArray { message };
                client.CreateChatCompletionStream(Json.Serialize(request), ev =>
                {
                    if (ev.Text != null) Console.Write(ev.Text);
                });
                Console.WriteLine();

                // 3. Later (the URL expires after about an hour): a fresh download URL from the key.
                JsonObject fresh = Json.ParseObject(client.GetChatFileUrl(appId, chatId, key));
                Console.WriteLine("download: " + fresh.GetString("data"));
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
