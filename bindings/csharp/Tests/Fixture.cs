using System;
using System.Collections.Generic;
using System.Text;

namespace FastGpt.Tests
{
    /// <summary>Shared helpers: the dev server, clients, request builders.</summary>
    public static class Fixture
    {
        public const string AppId = "65f0000000000000000000aa";
        public static DevServer Server;
        private static int s_seq;

        public static FastGptClient Client()
        {
            return new FastGptClient(DevServer.ApiKey, Server.Url);
        }

        /// <summary>A client sending extra headers (X-Dev-Fault, X-Dev-Errors, ...).</summary>
        public static FastGptClient Client(IDictionary<string, string> headers, Action<FastGptClientOptions> configure = null)
        {
            var o = new FastGptClientOptions
            {
                ApiKey = DevServer.ApiKey,
                BaseUrl = Server.Url,
                Headers = headers,
                RetryDelayMs = 1,
            };
            if (configure != null) configure(o);
            return new FastGptClient(o);
        }

        public static Dictionary<string, string> Headers(params string[] kv)
        {
            var d = new Dictionary<string, string>();
            for (int i = 0; i + 1 < kv.Length; i += 2) d[kv[i]] = kv[i + 1];
            return d;
        }

        /// <summary>A fresh 24-character chat id.</summary>
        public static string NewChatId()
        {
            int n = System.Threading.Interlocked.Increment(ref s_seq);
            return "cs" + DateTime.UtcNow.Ticks.ToString("x") + n.ToString("x6");
        }

        /// <summary>A completion request with one user message.</summary>
        public static string Request(string content, string chatId = null, bool detail = false, string responseChatItemId = null,
            string appId = null)
        {
            var o = new JsonObject();
            if (appId != null) o["appId"] = appId;
            if (chatId != null) o["chatId"] = chatId;
            if (responseChatItemId != null) o["responseChatItemId"] = responseChatItemId;
            if (detail) o["detail"] = true;
            var msg = new JsonObject();
            msg["role"] = "user";
            msg["content"] = content;
            o["messages"] = new JsonArray { msg };
            return Json.Serialize(o);
        }

        public static JsonObject Obj(string json) { return Json.ParseObject(json); }

        /// <summary>Follows a path of member names and array indexes.</summary>
        public static object At(object v, params object[] path)
        {
            foreach (object step in path)
            {
                if (v == null) return null;
                string key = step as string;
                if (key != null) { var o = v as JsonObject; v = o == null ? null : o[key]; }
                else { var a = v as JsonArray; int i = (int)step; v = a == null || i >= a.Count ? null : a[i]; }
            }
            return v;
        }

        public static string Str(object v, params object[] path) { return At(v, path) as string; }
    }
}
